// Gradients of the tiny reference SED in evaluation mode (BatchNorm with running statistics,
// the fine-tuning-with-frozen-statistics case) against PyTorch (tools/fixtures/models.py).
// Tolerance atol 1e-5 + rtol 1e-3 (see SEDReplayTests for the reasoning).
import Foundation
import WarblerModels
import WarblerNN
import WarblerTensor
import WarblerTestSupport
import XCTest

final class SEDEvalGradientTests: XCTestCase {
    func testEveryGradientInEvalModeMatchesPyTorch() throws {
        let m = try SEDModel(checkpoint: Fixtures.path("models/replay/init.safetensors"))
        let x = try ModelFixtures.tensor("replay/input.npy")
        let y = try ModelFixtures.tensor("replay/target.npy")
        try m(x).clipwise.binaryCrossEntropy(target: y).backward()
        let reference = try SafeTensors.read(Fixtures.path("models/replay/eval_grads.safetensors")).tensors
        var grads = WorstError()
        for (key, p) in m.parameters() {
            guard let r = reference[key] else { XCTFail("no reference gradient for \(key)"); continue }
            assertClose(p.grad, r, atol: 1e-5, rtol: 1e-3, "eval gradient of \(key)", worst: &grads)
        }
        print("SED eval-mode gradients vs PyTorch: \(grads)")
    }
}
