// Finite-difference check of the GRU's gradients, independent of PyTorch: a 2-layer
// bidirectional GRU on a tiny input, every weight, bias, input and initial-state element.
//
// Central differences with step 1e-2 in float32: truncation error ~ h^2 |f'''| / 6 ~ 2e-5 and
// rounding error ~ |loss| * 1e-7 / h ~ 1e-5 for this loss of ~40 O(1) terms, so the tolerance
// is atol 5e-4 + rtol 1e-2 (the measured worst is printed).
import Foundation
import WarblerNN
import WarblerTensor
import WarblerTestSupport
import XCTest

final class GRUGradientCheckTests: XCTestCase {
    func testGradientsMatchFiniteDifferences() throws {
        var rng = SeededGenerator(seed: 11)
        let gru = try GRU(inputSize: 2, hiddenSize: 3, layers: 2, bidirectional: true, batchFirst: true, generator: &rng)
        func values(_ n: Int, scale: Float) -> [Float] { (0..<n).map { _ in Float.random(in: -scale..<scale, using: &rng) } }
        let x = try Tensor(values(2 * 3 * 2, scale: 1.5), shape: [2, 3, 2], requiresGrad: true)
        let h0 = try Tensor(values(4 * 2 * 3, scale: 1), shape: [4, 2, 3], requiresGrad: true)
        let wOut = try Tensor(values(2 * 3 * 6, scale: 1), shape: [2, 3, 6])
        let wHidden = try Tensor(values(4 * 2 * 3, scale: 1), shape: [4, 2, 3])
        func loss() throws -> Tensor {
            let r = try gru(x, initialHidden: h0)
            return try (r.output * wOut).sum() + (r.hidden * wHidden).sum()
        }
        try loss().backward()

        let h: Float = 1e-2
        var worst = WorstError()
        var checked = 0
        for (name, t) in gru.parameters() + [("input", x), ("h0", h0)] {
            let analytic = t.grad!.toArray()
            var numeric = [Float](repeating: 0, count: t.count)
            for i in 0..<t.count {
                var original: Float = 0
                t.update {
                    original = $0[i]; $0[i] = original + h
                }
                let plus = try GradMode.withoutGradients { try loss().item() }
                t.update { $0[i] = original - h }
                let minus = try GradMode.withoutGradients { try loss().item() }
                t.update { $0[i] = original }
                numeric[i] = (plus - minus) / (2 * h)
            }
            let d = compare(analytic, numeric, atol: 5e-4, rtol: 1e-2)
            worst.record(d)
            XCTAssertEqual(d.violations, 0, "\(name): \(d)")
            checked += t.count
        }
        XCTAssertEqual(checked, 324 + 12 + 24)
        print("GRU finite differences over \(checked) elements: \(worst)")
    }
}
