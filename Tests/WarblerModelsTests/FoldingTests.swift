// Batch-norm folding: the folded tiny reference SED still reproduces PyTorch's eval-mode
// outputs (the unfolded model's own tolerance, atol 1e-5 + rtol 1e-4), no batch norm is left
// computing, and a folded model refuses training and saving.
import Foundation
import WarblerModels
import WarblerNN
import WarblerTensor
import WarblerTestSupport
import XCTest

final class FoldingTests: XCTestCase {
    func testFoldedModelMatchesPyTorchEvalOutputs() throws {
        let m = try SEDModel(checkpoint: Fixtures.path("models/replay/init.safetensors"))
        let x = try ModelFixtures.tensor("replay/input.npy")
        let before = try GradMode.withoutGradients { try m(x) }
        try m.foldBatchNorm()
        XCTAssertTrue(m.isFolded)
        let norms = m.modules().compactMap { $0.1 as? BatchNorm2d }
        XCTAssertFalse(norms.isEmpty)
        XCTAssertTrue(norms.allSatisfy(\.isFolded), "every batch norm folded")
        let out = try GradMode.withoutGradients { try m(x) }
        var worst = WorstError()
        assertClose(out.clipwise, try ModelFixtures.array("replay/eval_clipwise.npy"), atol: 1e-5, rtol: 1e-4, "folded clipwise", worst: &worst)
        assertClose(out.framewise, try ModelFixtures.array("replay/eval_framewise.npy"), atol: 1e-5, rtol: 1e-4, "folded framewise", worst: &worst)
        XCTAssertNotEqual(out.clipwise.toArray(), before.clipwise.toArray(), "folding really changed the computation")
        print("folded SED eval outputs vs PyTorch: \(worst)")

        XCTAssertThrowsError(try m.foldBatchNorm())
        XCTAssertThrowsError(try m.save(to: NSTemporaryDirectory() + "folded-\(UUID().uuidString).safetensors"))
        m.train()
        XCTAssertThrowsError(try m(x)) { XCTAssertTrue("\($0)".contains("folded"), "\($0)") }
    }
}
