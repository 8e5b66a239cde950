// Learning-rate schedules against PyTorch's schedulers (LambdaLR with transformers' cosine
// warm-up lambda, StepLR), and clip_grad_norm_.
//
// Tolerances: schedules rtol 1e-6 (computed in float64 and rounded to float32 once; PyTorch's
// StepLR multiplies recursively, a 1e-16 difference). Clipping: norm rtol 1e-6, gradients
// atol 1e-7 + rtol 1e-6 (one float32 multiply; the norm is summed in float64 here, float32
// there).
import Foundation
import WarblerNN
import WarblerTensor
import WarblerTestSupport
import XCTest

final class ScheduleAndClipTests: XCTestCase {
    func testSchedulesMatchPyTorch() throws {
        let s = try NN.json("schedules.json") as! [String: [String: Any]]
        func check(_ schedule: some LearningRateSchedule, _ ref: [String: Any], _ name: String) {
            let lrs = (ref["lrs"] as! [Double]).map(Float.init)
            let ours = lrs.indices.map { schedule.learningRate(at: $0) }
            let d = compare(ours, lrs, atol: 1e-9, rtol: 1e-6)
            XCTAssertEqual(d.violations, 0, "\(name): \(ours) vs \(lrs)")
            print("\(name) schedule vs PyTorch: \(d.maxAbs) max |diff| over \(lrs.count) steps")
        }
        let c = s["cosine"]!, cc = s["cosine_cycles"]!, st = s["step"]!
        check(
            CosineWarmupSchedule(
                baseLearningRate: Float(c["base"] as! Double), warmupSteps: c["warmup"] as! Int,
                totalSteps: c["total"] as! Int), c, "cosine")
        check(
            CosineWarmupSchedule(
                baseLearningRate: Float(cc["base"] as! Double), warmupSteps: cc["warmup"] as! Int,
                totalSteps: cc["total"] as! Int, cycles: cc["cycles"] as! Double), cc, "cosine_cycles")
        check(
            StepDecaySchedule(
                baseLearningRate: Float(st["base"] as! Double), stepSize: st["step_size"] as! Int,
                gamma: Float(st["gamma"] as! Double)), st, "step")
    }

    /// Gradients set through backward of sum(p * g), which hands each parameter exactly g.
    static func parameters(withGradients grads: [Tensor]) throws -> [Tensor] {
        try grads.map { g in
            let p = try Tensor.zeros(g.shape, requiresGrad: true)
            try (p * g).sum().backward()
            return p
        }
    }

    func testClipGradNormMatchesPyTorch() throws {
        let cases = try NN.json("clip/cases.json") as! [String: [String: Any]]
        for (name, c) in cases.sorted(by: { $0.key < $1.key }) {
            let n = c["params"] as! Int
            let params = try Self.parameters(withGradients: (0..<n).map { try NN.tensor("clip/\(name)/g.\($0).npy") })
            let norm = clipGradNorm(params, maxNorm: Float(c["max_norm"] as! Double))
            XCTAssertEqual(norm, Float(c["norm"] as! Double), accuracy: 1e-6 * norm, name)
            var worst = WorstError()
            for (i, p) in params.enumerated() {
                assertClose(p.grad, try NN.array("clip/\(name)/clipped.\(i).npy"), atol: 1e-7, rtol: 1e-6, "\(name) \(i)", worst: &worst)
            }
            print("clip_grad_norm_ \(name): norm \(norm) vs \(c["norm"]!), gradients \(worst)")
        }
    }

    /// One gradient tensor handed to two parameters (the engine's add does this) is scaled once.
    func testClippingSharedGradientBufferScalesOnce() throws {
        let a = try Tensor.zeros([2], requiresGrad: true), b = try Tensor.zeros([2], requiresGrad: true)
        try (a + b).backward(gradient: try Tensor([3, 4], shape: [2]))
        let norm = clipGradNorm([a, b, a], maxNorm: 1)
        XCTAssertEqual(norm, Float(50).squareRoot(), accuracy: 1e-5)
        let coefficient = 1 / (Float(50).squareRoot() + 1e-6)
        XCTAssertEqual(a.grad!.toArray(), [3 * coefficient, 4 * coefficient])
        XCTAssertEqual(b.grad!.toArray(), [3 * coefficient, 4 * coefficient])
    }
}
