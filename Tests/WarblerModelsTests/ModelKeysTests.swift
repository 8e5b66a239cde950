// The shipped SED models' parameter and buffer keys, names and order, pinned against generated
// data (ExpectedKeys.swift); every module of both models registers every module and tensor it
// holds (Module.unregisteredMembers); train()/eval() reach every module.
@testable import WarblerModels
import WarblerNN
import XCTest

final class ModelKeysTests: XCTestCase {
    /// The two models with placeholder weights (no random draws: only the structure matters).
    func models() throws -> [(arch: String, model: SEDModel, parameters: [String], buffers: [String])] {
        try [
            ("warbler-small", 64, ExpectedKeys.warblerSmallParameters, ExpectedKeys.warblerSmallBuffers),
            ("resnest50d", 256, ExpectedKeys.resnest50dParameters, ExpectedKeys.resnest50dBuffers),
        ].map { arch, hidden, p, b in
            var placeholder = CheckpointPlaceholder()
            let model = try SEDModel(config: SEDConfig(arch: arch, classes: 10, gruHidden: hidden), generator: &placeholder)
            return (arch, model, p, b)
        }
    }

    func testParameterAndBufferKeysKeepTheirNamesAndOrder() throws {
        for (arch, model, parameters, buffers) in try models() {
            XCTAssertEqual(model.parameters().map(\.0), parameters, arch)
            XCTAssertEqual(model.buffers().map(\.0), buffers, arch)
            XCTAssertEqual(model.stateDict().keys.sorted(), (parameters + buffers).sorted(), arch)
        }
    }

    /// Modules that name their children by hand (Sequential, ResNeSt) list every module they hold;
    /// the strided blocks' average pools are children under timm's names.
    func testEveryModuleRegistersWhatItHolds() throws {
        for (arch, model, _, _) in try models() {
            let modules = model.modules()
            XCTAssertEqual(modules.flatMap { path, m in m.unregisteredMembers().map { path + " " + $0 } }, [], arch)
            XCTAssertTrue(modules.contains { $0.0 == "backbone.layer2.0.avd_last" && $0.1 is AvgPool2d }, arch)
            XCTAssertFalse(modules.contains { $0.0.hasSuffix("avd_first") }, arch)
        }
    }

    func testTrainAndEvalReachEveryModule() throws {
        for (arch, model, _, _) in try models() {
            model.eval()
            XCTAssertEqual(model.modules().filter { $0.1.isTraining }.map(\.0), [], arch)
            model.train()
            XCTAssertEqual(model.modules().filter { !$0.1.isTraining }.map(\.0), [], arch)
        }
    }
}
