// Regression tests for model configs the fuzzer (Fuzz/FuzzConfig) found to trap after
// validate() had accepted them.
import Foundation
import XCTest
@testable import WarblerModels

final class SEDConfigHostileTests: XCTestCase {
    func testSizesBeyondAnyModelAreRefusedBeforeTheyOverflow() throws {
        let json = #"{"arch": "resnest50d", "classes": 9223372036854775807, "gruHidden": 4611686018427387904, "gruLayers": 1000000}"#
        let config = try JSONDecoder().decode(SEDConfig.self, from: Data(json.utf8))
        XCTAssertThrowsError(try config.validate())
        var wide = try SEDConfig(arch: "resnest14d", classes: 3)
        wide.gruLayers = 0
        wide.backbone.channels = [64, 128, 256, 1 << 62]
        XCTAssertThrowsError(try wide.validate())
        XCTAssertNoThrow(try SEDConfig(arch: "resnest50d", classes: 264).validate())
    }
}
