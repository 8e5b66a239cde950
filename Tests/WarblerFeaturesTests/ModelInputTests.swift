// The model's input contract as it travels in checkpoint metadata: a round trip keeps every
// field, a checkpoint without one reads as the legacy contract, and one that does not parse or
// holds sizes out of range is refused with a sentence naming the checkpoint.
import Foundation
import WarblerFeatures
import XCTest

final class ModelInputTests: XCTestCase {
    func testRoundTripLegacyAndScaling() throws {
        var fe = FrontEndConfig()
        fe.nMels = 64
        fe.padMode = .constant
        let input = ModelInput(frontEnd: fe, normalization: .decibelsAround40, windowSeconds: 3)
        let back = try ModelInput.from(metadata: [ModelInput.metadataKey: try input.json()], source: "m.safetensors")
        XCTAssertEqual(back, input)
        XCTAssertEqual(try ModelInput.from(metadata: [:], source: "old.safetensors"), .legacy)
        XCTAssertEqual(ModelInput.legacy.normalization, .identity)
        XCTAssertEqual(ModelInput.legacy.windowSeconds, 5)
        var values: [Float] = [-100, -40, 0, 20]
        InputNormalization.decibelsAround40.apply(to: &values)
        XCTAssertEqual(values, [-3, 0, 2, 3])
        var same: [Float] = [-100, 7]
        InputNormalization.identity.apply(to: &same)
        XCTAssertEqual(same, [-100, 7])
    }

    func testBadContractsAreRefusedNamingTheSource() throws {
        func refused(_ json: String) -> String? {
            do {
                _ = try ModelInput.from(metadata: [ModelInput.metadataKey: json], source: "bad.safetensors")
                return nil
            } catch {
                return "\(error)"
            }
        }
        XCTAssertTrue(refused("{not json")?.contains("bad.safetensors") == true)
        var huge = ModelInput()
        huge.frontEnd.nFFT = 1 << 30
        XCTAssertTrue(refused(try huge.json())?.contains("1073741824") == true)
        var long = ModelInput()
        long.windowSeconds = 1e9
        XCTAssertNotNil(refused(try long.json()))
        var zero = ModelInput()
        zero.normalization = InputNormalization(offset: 0, scale: 0)
        XCTAssertNotNil(refused(try zero.json()))
        var nyquist = ModelInput()
        nyquist.frontEnd.sampleRate = 16_000  // fmax 14 kHz above 8 kHz
        XCTAssertTrue(refused(try nyquist.json())?.contains("fmax") == true)
    }
}
