// Adam's composed update (Backend.composedAdamStep: elementwise primitives, what a GPU runs)
// against the CPU backend's host loop, which OptimizerParityTests checks against PyTorch: the
// same trajectories over several steps, with and without weight decay. Run here on the CPU with a
// backend that is the CPU's except for the Adam step; DeviceParity runs the composed ops on a GPU
// against the CPU. The two differ only in how sqrt and the divisions round (both float32), so
// 1e-6 relative over 6 steps.
@testable import WarblerNN
import WarblerTensor
import WarblerTestSupport
import XCTest

/// The CPU backend with the composed Adam step instead of its own loop.
private final class ComposedAdamCPU: ForwardingBackend, @unchecked Sendable {
    init() { super.init(Backends.cpu) }
    override func adamStep(_ parameter: Storage, gradient: Storage, expAvg: Storage, expAvgSq: Storage, count: Int, _ step: AdamStep) {
        composedAdamStep(parameter, gradient: gradient, expAvg: expAvg, expAvgSq: expAvgSq, count: count, step)
    }
}

final class OptimizerTensorPathTests: XCTestCase {
    private func trajectory(decoupled: Bool, weightDecay: Float, tensorOps: Bool) throws -> ([Float], [Float]) {
        if tensorOps { return try Backends.withHostBackend(ComposedAdamCPU()) { try trajectory(decoupled: decoupled, weightDecay: weightDecay) } }
        return try trajectory(decoupled: decoupled, weightDecay: weightDecay)
    }

    private func trajectory(decoupled: Bool, weightDecay: Float) throws -> ([Float], [Float]) {
        let p = try Tensor((0..<37).map { Float($0 % 9) / 4 - 1 }, shape: [37], requiresGrad: true)
        let q = try Tensor((0..<6).map { Float($0) / 5 + 0.1 }, shape: [2, 3], requiresGrad: true)
        let opt: Adam =
            decoupled
            ? try AdamW(parameters: [p, q], learningRate: 0.01, weightDecay: weightDecay)
            : try Adam(parameters: [p, q], learningRate: 0.01, weightDecay: weightDecay)
        for step in 0..<6 {
            p.zeroGrad()
            q.zeroGrad()
            let loss = try (p * p * Float(step + 1)).sum() + (q.sigmoid() * q).sum()
            try loss.backward()
            try opt.step()
        }
        let state = opt.stateDict()
        return (p.toArray() + q.toArray(), state["state.0.exp_avg_sq"]!.toArray() + state["state.1.exp_avg"]!.toArray())
    }

    func testTensorPathFollowsTheHostLoop() throws {
        for (decoupled, wd) in [(false, Float(0)), (false, 0.1), (true, 0.01), (true, 0)] {
            let host = try trajectory(decoupled: decoupled, weightDecay: wd, tensorOps: false)
            let device = try trajectory(decoupled: decoupled, weightDecay: wd, tensorOps: true)
            for (name, a, b) in [("parameters", device.0, host.0), ("moments", device.1, host.1)] {
                XCTAssertEqual(a.count, b.count)
                for (x, y) in zip(a, b) {
                    XCTAssertEqual(x, y, accuracy: 1e-6 * Swift.max(1, Swift.abs(y)), "\(decoupled ? "AdamW" : "Adam") wd \(wd) \(name)")
                }
            }
            XCTAssertNotEqual(
                host.0, try trajectory(decoupled: decoupled, weightDecay: wd + 0.5, tensorOps: true).0,
                "the comparison must be able to fail")
        }
    }
}
