// Whole-model replay against PyTorch + timm (tools/fixtures/models.py, as llm.c checks its C
// model against PyTorch): a tiny ResNeSt SED (stem 8, stages of 4/8/12/16 planes, blocks
// 2-1-1-1, a bidirectional GRU of 6, 5 classes, input [3, 1, 80, 40]) with every weight and BatchNorm statistic
// randomised, loaded from its checkpoint alone (config in the metadata), must reproduce
//   - clipwise and framewise outputs in eval mode and in training mode (batch statistics),
//   - the BCE loss and the gradient of every parameter,
//   - the losses of 5 AdamW steps and every parameter and buffer after them.
//
// The fixture is well-conditioned by construction (tools/fixtures/models.py): every ReLU input and
// max-pool / frequency-max gap stays at least 5e-6 from its kink and every training-mode
// BatchNorm sees a batch variance of at least 1e-4 (10 eps) in all forward passes; otherwise a
// rounding difference flips a mask or is amplified by 1/sqrt(eps) and the reference says
// nothing. AdamW uses eps 1e-3: with 1e-8 the first step moves each weight by about lr times
// the sign of its gradient, and a gradient at rounding-noise level (the split-attention fc1
// biases, whose true gradient in training mode is 0 because a BatchNorm follows) would move by
// +-lr at random.
//
// Tolerances (the tests print the measured worst; see docs/benchmarks.md, NN notes):
//   outputs       atol 1e-5 + rtol 1e-4. Probabilities of order
//                 0.1-1 after ~25 float32 conv/BN layers, a GRU and a softmax; PyTorch's kernels
//                 sum in another order, so a few ulps per layer accumulate.
//   loss          atol 1e-6 + rtol 1e-5.
//   gradients     atol 2e-5 + rtol 1e-3. Weight gradients are sums over every position
//                 of the batch (conv1.0: 3 x 40 x 20 terms of order 1), and training-mode BN
//                 backward subtracts two such sums.
//   AdamW         losses rtol 1e-4; parameters atol 2e-5 + rtol 1e-4; buffers (running
//                 statistics, num_batches_tracked) atol 1e-5 + rtol 1e-4 (running variances are
//                 of order 1-10).
import Foundation
import WarblerIO
import WarblerModels
import WarblerNN
import WarblerTensor
import WarblerTestSupport
import XCTest

final class SEDReplayTests: XCTestCase {
    func model() throws -> SEDModel {
        try SEDModel(checkpoint: Fixtures.path("models/replay/init.safetensors"))
    }

    func testCheckpointRebuildsTheReferenceModel() throws {
        let m = try model()
        let c = try ModelFixtures.json("replay/case.json")
        XCTAssertEqual(m.config.backbone.channels, [4, 8, 12, 16])
        XCTAssertEqual(m.config.classes, 5)
        XCTAssertEqual(m.parameters().map(\.0), c["parameter_keys"] as! [String], "parameter keys and order equal PyTorch's")
        XCTAssertFalse(m.isTraining)
    }

    func testEvalOutputsMatchPyTorch() throws {
        let m = try model()
        let x = try ModelFixtures.tensor("replay/input.npy")
        let out = try GradMode.withoutGradients { try m(x) }
        var worst = WorstError()
        assertClose(out.clipwise, try ModelFixtures.array("replay/eval_clipwise.npy"), atol: 1e-5, rtol: 1e-4, "eval clipwise", worst: &worst)
        assertClose(out.framewise, try ModelFixtures.array("replay/eval_framewise.npy"), atol: 1e-5, rtol: 1e-4, "eval framewise", worst: &worst)
        print("SED eval outputs vs PyTorch: \(worst)")
    }

    func testTrainingForwardAndEveryGradientMatchPyTorch() throws {
        let m = try model()
        m.train()
        let x = try ModelFixtures.tensor("replay/input.npy")
        let y = try ModelFixtures.tensor("replay/target.npy")
        let out = try m(x)
        var values = WorstError(), grads = WorstError()
        assertClose(out.clipwise, try ModelFixtures.array("replay/train_clipwise.npy"), atol: 1e-5, rtol: 1e-4, "train clipwise", worst: &values)
        assertClose(out.framewise, try ModelFixtures.array("replay/train_framewise.npy"), atol: 1e-5, rtol: 1e-4, "train framewise", worst: &values)
        let loss = try out.clipwise.binaryCrossEntropy(target: y)
        assertClose(loss, try ModelFixtures.array("replay/loss.npy"), atol: 1e-6, rtol: 1e-5, "loss", worst: &values)
        try loss.backward()
        let reference = try SafeTensors.read(Fixtures.path("models/replay/grads.safetensors")).tensors
        let params = m.parameters()
        XCTAssertEqual(Set(params.map(\.0)), Set(reference.keys), "a gradient for every parameter")
        var zero = 0
        for (key, p) in params {
            guard let r = reference[key] else { continue }
            if r.toArray().allSatisfy({ $0 == 0 }) { zero += 1 }
            assertClose(p.grad, r, atol: 2e-5, rtol: 1e-3, "gradient of \(key)", worst: &grads)
        }
        XCTAssertEqual(zero, 0, "every reference gradient is non-zero, so each comparison can fail")
        print("SED training forward vs PyTorch: \(values); gradients of \(params.count) parameters: \(grads)")
    }

    func testFiveAdamWStepsMatchPyTorch() throws {
        let m = try model()
        m.train()
        let x = try ModelFixtures.tensor("replay/input.npy")
        let y = try ModelFixtures.tensor("replay/target.npy")
        let optimizer = try AdamW(parameters: m.parameterTensors(), learningRate: 1e-3, eps: 1e-3, weightDecay: 1e-2)
        var losses: [Float] = []
        for _ in 0..<5 {
            optimizer.zeroGrad()
            let loss = try m(x).clipwise.binaryCrossEntropy(target: y)
            try loss.backward()
            try optimizer.step()
            losses.append(try loss.item())
        }
        var worstLoss = WorstError(), worstParams = WorstError(), worstBuffers = WorstError()
        let lossRef = try ModelFixtures.array("replay/adamw_losses.npy")
        assertClose(try Tensor(losses, shape: [5]), lossRef, atol: 0, rtol: 1e-4, "AdamW losses", worst: &worstLoss)
        XCTAssertLessThan(losses[4], losses[0], "training reduces the loss")
        let final = try SafeTensors.read(Fixtures.path("models/replay/final.safetensors")).tensors
        let state = m.stateDict()
        XCTAssertEqual(Set(state.keys), Set(final.keys), "same parameters and buffers as PyTorch's state_dict")
        let parameterKeys = Set(m.parameters().map(\.0))
        for (key, t) in state.sorted(by: { $0.key < $1.key }) {
            guard let r = final[key] else { continue }
            if parameterKeys.contains(key) {
                assertClose(t, r, atol: 2e-5, rtol: 1e-4, "\(key) after 5 steps", worst: &worstParams)
            } else {
                assertClose(t, r, atol: 1e-5, rtol: 1e-4, "buffer \(key) after 5 steps", worst: &worstBuffers)
            }
        }
        print("SED 5 AdamW steps vs PyTorch: losses \(worstLoss); parameters \(worstParams); buffers \(worstBuffers)")
    }
}
