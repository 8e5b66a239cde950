// A checkpoint's config is data: before a model is built from it, its sizes must lie within
// limits and every weight it implies must be in the file with its shape.
// Each hostile config below once allocated gigabytes, ran for minutes or aborted the process;
// now each is one quick error naming the file.
import Foundation
import WarblerIO
import WarblerNN
import WarblerTensor
import XCTest
@testable import WarblerModels

final class CheckpointConfigCheckTests: XCTestCase {
    private var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "warbler-config-check-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// A real small checkpoint, and its tensors.
    private func saved() throws -> (path: String, config: SEDConfig, tensors: [String: Tensor]) {
        let config = try SEDConfig(arch: "warbler-small", classes: 3, gruHidden: 8, gruLayers: 1)
        let model = try SEDModel(config: config, seed: 1)
        let path = dir + "/good.safetensors"
        try model.save(to: path)
        return (path, config, model.stateDict())
    }

    /// The good checkpoint's tensors with `edit` applied to its config JSON.
    private func hostile(_ name: String, _ edit: (inout [String: Any]) -> Void) throws -> String {
        let (_, config, tensors) = try saved()
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as! [String: Any]
        edit(&json)
        let text = String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self)
        let path = dir + "/" + name + ".safetensors"
        try SafeTensors.write(tensors, metadata: [SafeTensors.configKey: text], to: path)
        return path
    }

    private func backbone(_ json: inout [String: Any], _ key: String, _ value: Any) {
        var b = json["backbone"] as! [String: Any]
        b[key] = value
        json["backbone"] = b
    }

    func testTheGoodCheckpointLoads() throws {
        let (path, config, _) = try saved()
        XCTAssertEqual(try SEDModel(checkpoint: path).config, config)
    }

    func testHostileConfigsAreRefusedBeforeAnythingIsBuilt() throws {
        let cases: [(String, (inout [String: Any]) -> Void, String)] = [
            ("layers", { self.backbone(&$0, "layers", [1, 1, 1, 10_000_000]) }, "backbone.layers[3] 10000000"),
            ("gru-layers", { $0["gruLayers"] = 1_000_000 }, "gruLayers 1000000"),
            ("classes-5m", { $0["classes"] = 5_000_000 }, "classes 5000000"),
            ("classes-1g", { $0["classes"] = 1_000_000_000 }, "classes 1000000000"),
            ("gru-hidden", { $0["gruHidden"] = 10_000_000 }, "gruHidden 10000000"),
            ("width", { self.backbone(&$0, "channels", [16, 32, 64, 1 << 40]) }, "backbone.channels[3] 1099511627776"),
            ("stem", { self.backbone(&$0, "stemWidth", 1 << 40) }, "backbone.stemWidth"),
            ("negative", { $0["classes"] = -3 }, "classes -3"),
            // Within the limits but not what the file holds: caught by the shapes.
            ("classes-4", { $0["classes"] = 4 }, "head.att.weight"),
            ("extra-block", { self.backbone(&$0, "layers", [1, 1, 1, 2]) }, "backbone.layer4.1.conv1.weight"),
            ("gru-2", { $0["gruLayers"] = 2 }, "gru.weight_hh_l1"),
            ("wider", { self.backbone(&$0, "channels", [16, 32, 64, 256]) }, "backbone.layer4.0"),
        ]
        for (name, edit, expected) in cases {
            let path = try hostile(name, edit)
            let started = Date()
            XCTAssertThrowsError(try SEDModel(checkpoint: path), name) { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix(path + ":"), "\(name): \(text)")
                XCTAssertTrue(text.contains(expected), "\(name): \(text)")
            }
            XCTAssertLessThan(Date().timeIntervalSince(started), 5, name)
        }
    }

    func testExpectedShapesAreExactlyTheModelsWeights() throws {
        // The check must never refuse a model Warbler itself builds: every shape it expects is
        // the built model's, for a few architectures and head settings.
        for config in [
            try SEDConfig(arch: "warbler-small", classes: 3, gruHidden: 8, gruLayers: 2),
            try SEDConfig(arch: "resnest14d", classes: 5, gruHidden: 0, gruLayers: 0),
            SEDConfig(
                arch: "custom",
                backbone: ResNeStConfig(
                    layers: [2, 1], channels: [8, 16], stemWidth: 8, baseWidth: 32,
                    cardinality: 2, radix: 1, inChannels: 3), classes: 2, gruHidden: 4),
        ] {
            let actual = try SEDModel(config: config, seed: 0).stateDict().mapValues { $0.shape.dims }
            for (key, shape) in config.expectedWeightShapes() {
                XCTAssertEqual(actual[key], shape, "\(config.arch): \(key)")
            }
            XCTAssertNoThrow(try config.check(againstShapes: actual, path: "x"), config.arch)
        }
    }
}
