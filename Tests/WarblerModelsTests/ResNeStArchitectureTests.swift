// The named ResNeSt configs against timm itself (tools/fixtures/models.py keys.json): every
// state_dict key and shape of resnest14d / 26d / 50d / 101e (in_chans 1, no classifier), the
// parameter count, and the backbone FLOPs of `summary()` against torch.utils.flop_counter on a
// 501 x 128 clip; timm's adapt_input_conv for 3-channel stem weights; small building blocks.
import Foundation
@testable import WarblerModels
import WarblerNN
import WarblerTensor
import WarblerTestSupport
import XCTest

final class ResNeStArchitectureTests: XCTestCase {
    func testNamedConfigsHaveTimmsKeysAndShapes() throws {
        let reference = try ModelFixtures.json("keys.json")
        XCTAssertEqual(Set(reference.keys), ["resnest14d", "resnest26d", "resnest50d", "resnest101e"])
        for arch in ["resnest14d", "resnest26d", "resnest50d", "resnest101e"] {
            let entry = reference[arch] as! [String: Any]
            let shapes = entry["shapes"] as! [String: [Int]]
            var placeholder = CheckpointPlaceholder()  // shapes only: no random draws
            let model = try SEDModel(config: SEDConfig(arch: arch, classes: 2, gruHidden: 4), generator: &placeholder)
            let backbone = model.backbone
            let ours = backbone.stateDict().mapValues(\.shape.dims)
            XCTAssertEqual(Set(ours.keys).subtracting(shapes.keys).sorted(), [], "\(arch): keys timm does not have")
            XCTAssertEqual(Set(shapes.keys).subtracting(ours.keys).sorted(), [], "\(arch): timm keys we lack")
            for (key, shape) in shapes where ours[key] != nil {
                XCTAssertEqual(ours[key], shape, "\(arch) \(key)")
            }
            let count = backbone.parameterTensors().reduce(0) { $0 + $1.count }
            XCTAssertEqual(count, entry["parameters"] as! Int, "\(arch) parameter count")
            XCTAssertEqual(backbone.config.outputChannels, entry["num_features"] as! Int)
            let flops = try model.summary(frames: 501, mels: 128).layers.filter { $0.name.hasPrefix("backbone") }.reduce(0) { $0 + $1.flops }
            let reference = try XCTUnwrap(entry["flops_501x128"] as? Int, "keys.json lacks flops_501x128: re-run tools/fixtures/models.py")
            XCTAssertEqual(Double(flops), Double(reference), accuracy: 1e-4 * Double(reference), "\(arch) backbone FLOPs")
        }
    }

    func testThreeChannelStemWeightsAdaptAsTimm() throws {
        let w3 = try ModelFixtures.tensor("adapt/weight3.npy")
        var worst = WorstError()
        for n in [1, 5] {
            let adapted = try ResNeSt.adaptedInputConv(w3, inChannels: n)
            assertClose(adapted, try ModelFixtures.array("adapt/weight\(n).npy"), atol: 1e-6, rtol: 1e-6, "adapt to \(n)", worst: &worst)
        }
        XCTAssertThrowsError(try ResNeSt.adaptedInputConv(try Tensor.zeros([8, 2, 3, 3]), inChannels: 1))
    }

    func testLoadingATimmStateDictAdaptsTheStem() throws {
        var rng = SeededGenerator(seed: 2)
        let config = SEDConfig(
            arch: "custom", backbone: ResNeStConfig(layers: [1, 1, 1, 1], channels: [4, 4, 4, 4], stemWidth: 4),
            classes: 3, gruHidden: 4)
        let source = try ResNeSt(
            config: {
                var c = config.backbone; c.inChannels = 3; return c
            }(), generator: &rng)
        var sd = source.stateDict()
        sd["fc.weight"] = try Tensor.zeros([10, 16])
        sd["fc.bias"] = try Tensor.zeros([10])
        let model = try SEDModel(config: config)
        try model.loadBackbone(timm: sd)
        let stem = try XCTUnwrap(model.backbone.stateDict()["conv1.0.weight"])
        XCTAssertEqual(stem.toArray(), try source.stateDict()["conv1.0.weight"]!.sum(axes: [1], keepingDims: true).toArray())
    }

    func testMakeDivisibleAsTimm() {
        // timm: make_divisible(v, 8, min_value=32)
        XCTAssertEqual(SplitAttention.makeDivisible(32, divisor: 8, minimum: 32), 32)
        XCTAssertEqual(SplitAttention.makeDivisible(128, divisor: 8, minimum: 32), 128)
        XCTAssertEqual(SplitAttention.makeDivisible(36, divisor: 8, minimum: 32), 40)
        XCTAssertEqual(SplitAttention.makeDivisible(4, divisor: 8, minimum: 32), 32)
    }

    func testSEDShapesWithAndWithoutGRU() throws {
        for gruLayers in [0, 2] {
            let config = SEDConfig(
                arch: "custom", backbone: ResNeStConfig(layers: [1, 1, 1, 1], channels: [2, 2, 4, 4], stemWidth: 4),
                classes: 3, gruHidden: 5, gruLayers: gruLayers)
            let model = try SEDModel(config: config, seed: 3)
            model.eval()
            let out = try model(try Tensor.zeros([2, 1, 67, 32]))
            XCTAssertEqual(out.clipwise.shape, [2, 3])
            XCTAssertEqual(out.framewise.shape, [2, 67, 3])
            XCTAssertEqual(model.parameters().contains { $0.0.hasPrefix("gru.") }, gruLayers > 0)
            XCTAssertEqual(model.head.att.weight.shape, [3, gruLayers > 0 ? 10 : 16, 1])
        }
        let model = try SEDModel(config: SEDConfig(arch: "resnest14d", classes: 2, gruHidden: 4))
        XCTAssertThrowsError(try model(try Tensor.zeros([1, 3, 64, 64]))) { error in
            XCTAssertTrue("\(error)".contains("[B, 1, frames, mels]"), "\(error)")
        }
        XCTAssertThrowsError(try SEDConfig(arch: "resnet18", classes: 2)) { error in
            XCTAssertTrue("\(error)".contains("resnest50d"), "\(error)")
        }
    }

    func testNumBatchesTrackedCountsAndMayBeMissing() throws {
        let bn = try BatchNorm2d(channels: 2)
        _ = try bn(try Tensor([1, 2, 3, 4, 5, 6, 7, 8], shape: [2, 2, 1, 2]))
        XCTAssertEqual(try bn.numBatchesTracked.item(), 1)
        bn.eval()
        _ = try bn(try Tensor.zeros([1, 2, 1, 1]))
        XCTAssertEqual(try bn.numBatchesTracked.item(), 1, "eval mode does not count")
        var sd = bn.stateDict()
        sd["num_batches_tracked"] = nil
        XCTAssertEqual(try bn.load(stateDict: sd).missing, [], "an old checkpoint without the counter loads")
        sd["running_mean"] = nil
        XCTAssertThrowsError(try bn.load(stateDict: sd))
    }
}

final class SEDModeTests: XCTestCase {
    /// eval() reaches every module, the dropout included: two evaluations agree exactly, and the
    /// dropout is active again after train().
    func testEvalReachesTheDropout() throws {
        let config = SEDConfig(
            arch: "custom", backbone: ResNeStConfig(layers: [1, 1, 1, 1], channels: [2, 2, 4, 4], stemWidth: 4),
            classes: 3, gruHidden: 5, dropout: 0.5)
        let model = try SEDModel(config: config, seed: 4)
        var rng = SeededGenerator(seed: 9)
        let x = try Init.uniform([2, 1, 64, 32], bound: 2, generator: &rng)
        model.eval()
        XCTAssertFalse(model.dropout.isTraining)
        let a = try GradMode.withoutGradients { try model(x).clipwise.toArray() }
        let b = try GradMode.withoutGradients { try model(x).clipwise.toArray() }
        XCTAssertEqual(a, b)
        model.train()
        XCTAssertTrue(model.dropout.isTraining)
    }
}

final class SEDConfigTests: XCTestCase {
    /// A hand-written config with only the essentials decodes to the named architecture and the
    /// defaults; a full config round-trips; an unknown arch without a backbone is refused.
    func testLenientDecodingAndRoundTrip() throws {
        let short = try JSONDecoder().decode(SEDConfig.self, from: Data(#"{"arch": "resnest26d", "classes": 7}"#.utf8))
        XCTAssertEqual(short, try SEDConfig(arch: "resnest26d", classes: 7))
        XCTAssertEqual(short.backbone.layers, [2, 2, 2, 2])
        var full = try SEDConfig(arch: "resnest101e", classes: 3, gruHidden: 64, gruLayers: 2, dropout: 0.1, inChannels: 2)
        full.attentionActivation = .clamp
        full.frequencyPooling = .max
        let back = try JSONDecoder().decode(SEDConfig.self, from: JSONEncoder().encode(full))
        XCTAssertEqual(back, full)
        XCTAssertEqual(back.backbone.stemWidth, 64)
        XCTAssertThrowsError(try JSONDecoder().decode(SEDConfig.self, from: Data(#"{"arch": "custom", "classes": 2}"#.utf8))) {
            XCTAssertTrue("\($0)".contains("backbone"), "\($0)")
        }
    }
}
