// Linear: forward and backward against torch.nn.functional.linear, and PyTorch's default
// initialisation checked statistically (the draws are random, so only loosely).
//
// Tolerances: values atol 1e-6 + rtol 1e-5 and gradients atol 2e-6 + rtol 1e-5: one GEMM of 8
// (or 6) O(1) products per element in float32, PyTorch summing in another order.
import Foundation
import WarblerNN
import WarblerTensor
import WarblerTestSupport
import XCTest

final class LinearTests: XCTestCase {
    func testForwardAndBackwardMatchPyTorch() throws {
        let layer = try Linear(
            weight: NN.tensor("linear/weight.npy", requiresGrad: true),
            bias: NN.tensor("linear/bias.npy", requiresGrad: true))
        XCTAssertEqual(layer.parameters().map(\.0), ["weight", "bias"])
        XCTAssertEqual(layer.inputFeatures, 8)
        XCTAssertEqual(layer.outputFeatures, 5)
        let x = try NN.tensor("linear/x.npy", requiresGrad: true)
        let y = try layer(x)
        var worst = WorstError()
        assertClose(y, try NN.array("linear/out.npy"), atol: 1e-6, rtol: 1e-5, "output", worst: &worst)
        try y.backward(gradient: NN.tensor("linear/gout.npy"))
        assertClose(x.grad, try NN.array("linear/gx.npy"), atol: 2e-6, rtol: 1e-5, "input gradient", worst: &worst)
        assertClose(layer.weight.grad, try NN.array("linear/gweight.npy"), atol: 2e-6, rtol: 1e-5, "weight gradient", worst: &worst)
        assertClose(layer.bias!.grad, try NN.array("linear/gbias.npy"), atol: 2e-6, rtol: 1e-5, "bias gradient", worst: &worst)
        print("Linear vs PyTorch: \(worst)")
    }

    /// kaiming_uniform(a: sqrt(5)) and the bias rule both give U(-1/sqrt(in), 1/sqrt(in)):
    /// every draw inside the bound, mean ~ 0 and variance ~ bound^2 / 3 (loosely: 5 % on the
    /// variance of 131072 draws, whose standard error is 0.3 %).
    func testDefaultInitialisationStatistics() throws {
        var rng = SeededGenerator(seed: 42)
        let layer = try Linear(inputFeatures: 256, outputFeatures: 512, generator: &rng)
        let bound = 1 / Float(256).squareRoot()
        for (name, t) in layer.parameters() {
            XCTAssertTrue(t.requiresGrad, name)
            let v = t.toArray()
            XCTAssertTrue(v.allSatisfy { abs($0) <= bound }, "\(name) outside ±\(bound)")
            let mean = v.reduce(0, +) / Float(v.count)
            let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(v.count)
            XCTAssertEqual(mean, 0, accuracy: 4 * bound / Float(v.count).squareRoot(), name)
            if name == "weight" { XCTAssertEqual(variance, bound * bound / 3, accuracy: 0.05 * bound * bound / 3) }
        }
        XCTAssertEqual(layer.weight.shape, [512, 256])
        // The same seed gives the same layer.
        var again = SeededGenerator(seed: 42)
        XCTAssertEqual(try Linear(inputFeatures: 256, outputFeatures: 512, generator: &again).weight.toArray(), layer.weight.toArray())
        var rng2 = SeededGenerator(seed: 1)
        XCTAssertNil(try Linear(inputFeatures: 3, outputFeatures: 2, bias: false, generator: &rng2).bias)
    }
}
