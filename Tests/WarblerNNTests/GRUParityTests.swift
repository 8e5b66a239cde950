// torch.nn.GRU parity on the fixtures of tools/fixtures/nn.py: one and two layers, one and two
// directions, batch-first and sequence-first, with and without an initial state, without bias,
// and unbatched input. Outputs, final states and the gradients of the input, the initial state
// and every weight and bias (for a random upstream gradient on both outputs) must all match.
//
// Tolerances: values atol 1e-6 + rtol 1e-5, gradients atol 2e-6 + rtol 1e-4. Every quantity is
// O(1) and passes through at most 2 layers x 5 steps of float32 GEMMs and sigmoid/tanh; PyTorch
// adds biases inside addmm and sums in another order, so a few ulps per op accumulate (the test
// prints the measured worst).
import Foundation
import WarblerIO
import WarblerNN
import WarblerTensor
import WarblerTestSupport
import XCTest

final class GRUParityTests: XCTestCase {
    func testEveryCaseMatchesPyTorch() throws {
        let cases = try NN.json("gru/cases.json") as! [String: [String: Any]]
        XCTAssertEqual(cases.count, 6)
        var values = WorstError(), grads = WorstError()
        for (name, c) in cases.sorted(by: { $0.key < $1.key }) {
            let dir = "gru/\(name)/"
            var rng = SeededGenerator(seed: 1)
            let gru = try GRU(
                inputSize: c["input_size"] as! Int, hiddenSize: c["hidden_size"] as! Int,
                layers: c["layers"] as! Int, bias: c["bias"] as! Bool,
                bidirectional: c["bidirectional"] as! Bool, batchFirst: c["batch_first"] as! Bool,
                generator: &rng)
            let keys = c["keys"] as! [String]
            XCTAssertEqual(gru.parameters().map(\.0), keys, "\(name): parameter keys and order")
            var state: [String: Tensor] = [:]
            for k in keys { state[k] = try NN.tensor(dir + k + ".npy") }
            try gru.load(stateDict: state)

            let x = try NN.tensor(dir + "input.npy", requiresGrad: true)
            let h0 = (c["h0"] as! Bool) ? try NN.tensor(dir + "h0.npy", requiresGrad: true) : nil
            let result = try gru(x, initialHidden: h0)
            assertClose(result.output, try NN.array(dir + "out.npy"), atol: 1e-6, rtol: 1e-5, "\(name) output", worst: &values)
            assertClose(result.hidden, try NN.array(dir + "hn.npy"), atol: 1e-6, rtol: 1e-5, "\(name) h_n", worst: &values)

            let loss = try (result.output * NN.tensor(dir + "gout.npy")).sum() + (result.hidden * NN.tensor(dir + "ghn.npy")).sum()
            try loss.backward()
            assertClose(x.grad, try NN.array(dir + "ginput.npy"), atol: 2e-6, rtol: 1e-4, "\(name) input gradient", worst: &grads)
            if let h0 {
                assertClose(h0.grad, try NN.array(dir + "gh0.npy"), atol: 2e-6, rtol: 1e-4, "\(name) h0 gradient", worst: &grads)
            }
            for (k, p) in gru.parameters() {
                assertClose(p.grad, try NN.array(dir + "grad.\(k).npy"), atol: 2e-6, rtol: 1e-4, "\(name) \(k) gradient", worst: &grads)
            }
        }
        print("GRU vs PyTorch: values \(values); gradients \(grads)")
    }

    func testShapesAndErrors() throws {
        var rng = SeededGenerator(seed: 3)
        let gru = try GRU(inputSize: 4, hiddenSize: 5, layers: 3, bidirectional: true, batchFirst: true, generator: &rng)
        XCTAssertEqual(gru.parameters().count, 3 * 2 * 4)
        XCTAssertEqual(gru.parameters().first(where: { $0.0 == "weight_ih_l1_reverse" })?.1.shape, [15, 10])
        let y = try gru(try Tensor.zeros([2, 7, 4]))
        XCTAssertEqual(y.output.shape, [2, 7, 10])
        XCTAssertEqual(y.hidden.shape, [6, 2, 5])
        XCTAssertThrowsError(try gru(try Tensor.zeros([2, 7, 3]))) { e in
            XCTAssertTrue("\(e)".contains("inputSize is 4"), "\(e)")
        }
        XCTAssertThrowsError(try gru(try Tensor.zeros([2, 7, 4]), initialHidden: try Tensor.zeros([2, 2, 5]))) { e in
            XCTAssertTrue("\(e)".contains("expected [6, 2, 5]"), "\(e)")
        }
    }

    /// Inter-layer dropout acts in training mode only (PyTorch's `dropout` argument).
    func testDropoutBetweenLayersOnlyWhenTraining() throws {
        var rng = SeededGenerator(seed: 4)
        let gru = try GRU(inputSize: 3, hiddenSize: 4, layers: 2, dropout: 0.5, generator: &rng)
        let x = try Tensor((0..<30).map { Float($0 % 7) / 7 - 0.5 }, shape: [5, 2, 3])
        gru.eval()
        let a = try gru(x).output.toArray(), b = try gru(x).output.toArray()
        XCTAssertEqual(a, b)
        gru.train()
        XCTAssertNotEqual(try gru(x).output.toArray(), a)
    }
}
