// SGD (momentum + Nesterov + weight decay, momentum + dampening, plain), Adam (L2 weight decay)
// and AdamW (decoupled) against PyTorch's parameter trajectory over 5 steps on the loss
// sum(a * p * p) + sum(b * p), gradients from this engine's backward; then the optimizer state
// after the last step, a checkpoint resume through safetensors, and skipping absent gradients.
//
// Tolerance atol 1e-6 + rtol 1e-5 on parameters and state: each step is a handful of float32
// operations per element, the bias corrections are float64 in both, and the gradients agree to
// an ulp; Adam divides by sqrt(v) ~ |g|, which does not amplify relative error.
import Foundation
import WarblerIO
import WarblerNN
import WarblerTensor
import WarblerTestSupport
import XCTest

final class OptimizerParityTests: XCTestCase {
    typealias Case = [String: Any]

    static func make(_ c: Case, _ params: [Tensor]) throws -> any Optimizer {
        func f(_ k: String) -> Float { Float(c[k] as? Double ?? 0) }
        let betas = (c["betas"] as? [Double]).map { (Float($0[0]), Float($0[1])) } ?? (0.9, 0.999)
        switch c["optimizer"] as! String {
        case "SGD":
            return try SGD(
                parameters: params, learningRate: f("lr"), momentum: f("momentum"), dampening: f("dampening"),
                nesterov: c["nesterov"] as? Bool ?? false, weightDecay: f("weight_decay"))
        case "Adam":
            return try Adam(parameters: params, learningRate: f("lr"), betas: betas, eps: f("eps"), weightDecay: f("weight_decay"))
        case "AdamW":
            return try AdamW(parameters: params, learningRate: f("lr"), betas: betas, eps: f("eps"), weightDecay: f("weight_decay"))
        default: fatalError("unknown optimizer in fixture")
        }
    }

    /// The case's parameters (fresh leaves) and the loss over them.
    static func problem(_ name: String, _ c: Case) throws -> ([Tensor], () throws -> Tensor) {
        let n = c["params"] as! Int
        let params = try (0..<n).map { try NN.tensor("optim/\(name)/init.\($0).npy", requiresGrad: true) }
        let a = try (0..<n).map { try NN.tensor("optim/\(name)/a.\($0).npy") }
        let b = try (0..<n).map { try NN.tensor("optim/\(name)/b.\($0).npy") }
        let loss = {
            try (0..<n).map { i in try (a[i] * params[i] * params[i]).sum() + (b[i] * params[i]).sum() }.reduce(try Tensor(scalar: 0), +)
        }
        return (params, loss)
    }

    static func step(_ opt: any Optimizer, _ loss: () throws -> Tensor) throws {
        opt.zeroGrad()
        try loss().backward()
        try opt.step()
    }

    func testTrajectoriesAndStateMatchPyTorch() throws {
        let cases = try NN.json("optim/cases.json") as! [String: Case]
        XCTAssertEqual(cases.count, 5)
        for (name, c) in cases.sorted(by: { $0.key < $1.key }) {
            let (params, loss) = try Self.problem(name, c)
            let opt = try Self.make(c, params)
            let trajectories = try params.indices.map { try NN.array("optim/\(name)/traj.\($0).npy") }
            var worst = WorstError()
            for s in 0..<(c["steps"] as! Int) {
                try Self.step(opt, loss)
                for (i, p) in params.enumerated() {
                    let ref = Array(trajectories[i].floats()[s * p.count..<(s + 1) * p.count])
                    let d = compare(p.toArray(), ref, atol: 1e-6, rtol: 1e-5)
                    worst.record(d)
                    XCTAssertEqual(d.violations, 0, "\(name) step \(s + 1) parameter \(i): \(d)")
                }
            }
            let state = opt.stateDict()
            let files = try FileManager.default.contentsOfDirectory(atPath: Fixtures.path("nn/optim/\(name)"))
            let refKeys = files.filter { $0.hasPrefix("state.") }.map { String($0.dropLast(4)) }
            XCTAssertEqual(Set(state.keys), Set(refKeys), name)
            for key in refKeys {
                assertClose(state[key], try NN.array("optim/\(name)/\(key).npy"), atol: 1e-6, rtol: 1e-5, "\(name) \(key)", worst: &worst)
            }
            print("\(name) vs PyTorch over 5 steps: \(worst)")
        }
    }

    /// Three steps, state and parameters saved to safetensors, a fresh optimizer loaded from
    /// them, two more steps: the same result bit for bit as five uninterrupted steps.
    func testResumeFromCheckpointIsExact() throws {
        let cases = try NN.json("optim/cases.json") as! [String: Case]
        let dir = NSTemporaryDirectory() + "warbler-nn-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["adamw", "sgd_nesterov"] {
            let c = cases[name]!
            let (reference, referenceLoss) = try Self.problem(name, c)
            let uninterrupted = try Self.make(c, reference)
            for _ in 0..<5 { try Self.step(uninterrupted, referenceLoss) }

            let (params, loss) = try Self.problem(name, c)
            let first = try Self.make(c, params)
            for _ in 0..<3 { try Self.step(first, loss) }
            var saved = first.stateDict()
            for (i, p) in params.enumerated() { saved["param.\(i)"] = p }
            try SafeTensors.write(saved, to: dir + "/\(name).safetensors")

            let restored = try SafeTensors.read(dir + "/\(name).safetensors").tensors
            let (resumed, resumedLoss) = try Self.problem(name, c)
            for (i, p) in resumed.enumerated() { try p.copy(from: restored["param.\(i)"]!) }
            let second = try Self.make(c, resumed)
            try second.load(stateDict: restored.filter { $0.key.hasPrefix("state.") })
            for _ in 0..<2 { try Self.step(second, resumedLoss) }
            for (p, q) in zip(resumed, reference) { XCTAssertEqual(p.toArray(), q.toArray(), name) }
        }
    }

    func testParametersWithoutGradientsAreSkipped() throws {
        let p = try Tensor([1, 2], shape: [2], requiresGrad: true), q = try Tensor([3], shape: [1], requiresGrad: true)
        let opt = try Adam(parameters: [p, q], learningRate: 0.1)
        try (q * q).sum().backward()
        try opt.step()
        XCTAssertEqual(p.toArray(), [1, 2])
        XCTAssertNotEqual(q.toArray(), [3])
        XCTAssertEqual(Set(opt.stateDict().keys), ["state.1.step", "state.1.exp_avg", "state.1.exp_avg_sq"])
        XCTAssertEqual(try opt.stateDict()["state.1.step"]!.item(), 1)
        opt.zeroGrad()
        XCTAssertNil(q.grad)
    }

    func testBadSettingsAndStateAreRejected() throws {
        let p = try Tensor([1, 2], shape: [2], requiresGrad: true)
        XCTAssertThrowsError(try SGD(parameters: [p], learningRate: 0.1, nesterov: true)) { e in
            XCTAssertTrue("\(e)".contains("Nesterov"), "\(e)")
        }
        XCTAssertThrowsError(try Adam(parameters: [p], betas: (0.9, 1.0)))
        let opt = try Adam(parameters: [p])
        XCTAssertThrowsError(try opt.load(stateDict: ["state.0.exp_avg": try Tensor.zeros([3]), "state.4.step": try Tensor.zeros([])])) { e in
            let s = "\(e)"
            XCTAssertTrue(s.contains("state.0.exp_avg has shape [3] but parameter 0 needs [2]"), s)
            XCTAssertTrue(s.contains("unexpected key state.4.step"), s)
        }
        XCTAssertThrowsError(try opt.load(stateDict: ["state.0.exp_avg": try Tensor.zeros([2])])) { e in
            XCTAssertTrue("\(e)".contains("incomplete state for parameter 0"), "\(e)")
        }
    }
}
