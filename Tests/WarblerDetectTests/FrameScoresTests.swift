// Kept frame scores: events decoded again from them under other thresholds and event settings
// equal a fresh detection with those settings (so changing a threshold needs no model run),
// settings below the kept floor are refused, and the binary file is checked before it is trusted.
import Foundation
import WarblerAudio
import WarblerFeatures
import XCTest
@testable import WarblerDetect

/// Graded scores: class k follows the loudness of mel band k (0 at -80 dB, 1 at 0 dB), so
/// thresholds cut events at different places.
struct BandLoudnessScorer: WindowScorer {
    let classes = ["low", "high"]
    let bands = [30..<40, 90..<100]
    func score(_ windows: [Spectrogram]) throws -> [WindowPrediction] {
        windows.map { s in
            let framewise = (0..<s.frameCount).map { f in
                bands.map { band -> Float in min(1, max(0, (band.map { s[f, $0] }.max()! + 80) / 80)) }
            }
            return WindowPrediction(clipwise: (0..<2).map { k in framewise.map { $0[k] }.max() ?? 0 }, framewise: framewise)
        }
    }
}

final class FrameScoresTests: XCTestCase {
    /// 20 s of quiet noise with tones of rising and falling loudness in both bands.
    private func recording() throws -> (path: String, frontEnd: FrontEndConfig) {
        let sr = 32_000
        var rng = SystemRandomNumberGenerator()
        var y = (0..<20 * sr).map { _ in Float.random(in: -1e-3...1e-3, using: &rng) }
        let mel = MelFilterbank(config: FrontEndConfig())
        for (bin, start, length, level) in [
            (35, 1.0, 2.0, 0.3), (95, 2.5, 0.4, 0.05), (35, 6.0, 0.2, 0.02), (35, 6.5, 3.0, 0.1),
            (95, 11.0, 4.0, 0.2), (35, 16.0, 0.5, 0.005), (95, 18.0, 1.5, 0.01),
        ] {
            let f = mel.centerFrequencies[bin + 1]
            for i in Int(start * Double(sr))..<Int((start + length) * Double(sr)) {
                let t = Double(i) / Double(sr), u = (t - start) / length
                y[i] += Float(level * sin(.pi * u) * sin(2 * .pi * f * t) * (1 + 0.5 * sin(2 * .pi * 3 * t)))
            }
        }
        let path = NSTemporaryDirectory() + "warbler-framescores-\(getpid()).wav"
        try AudioWriter.write(y, sampleRate: sr, to: path, encoding: .float32)
        return (path, FrontEndConfig())
    }

    private func detector(_ thresholds: [Float], rule: EventRule = EventRule(), hop: Double = 5) throws -> RecordingDetector {
        var config = DetectConfig()
        config.rule = rule
        config.hopSeconds = hop
        return try RecordingDetector(scorer: BandLoudnessScorer(), config: config, policy: LabelPolicy(classes: ["low", "high"], thresholds: thresholds))
    }

    func testEventsDecodedAgainEqualAFreshDetection() throws {
        let (path, _) = try recording()
        for hop in [5.0, 2.0] {
            let first = try detector([0.5, 0.5], hop: hop).run(path: path)
            let kept = try XCTUnwrap(first.frameScores)
            XCTAssertEqual(kept.floor, FrameScores.defaultFloor)
            XCTAssertGreaterThan(kept.runs.count, 0)
            var compared = 0
            for thresholds: [Float] in [[0.3, 0.3], [0.5, 0.7], [0.8, 0.4], [0.45, 0.9]] {
                for (offRatio, gap, minimum) in [(Float(0.6), 0.25, 0.1), (1, 0, 0), (0.2, 1.0, 0.5)] {
                    var rule = EventRule()
                    (rule.offRatio, rule.mergeGap, rule.minimumDuration) = (offRatio, gap, minimum)
                    let fresh = try detector(thresholds, rule: rule, hop: hop).run(path: path)
                    let again = first.relabelled(policy: LabelPolicy(classes: ["low", "high"], thresholds: thresholds), rule: rule)
                    XCTAssertEqual(again?.events, fresh.events, "hop \(hop), thresholds \(thresholds), rule \(rule)")
                    compared += fresh.events.count
                }
            }
            XCTAssertGreaterThan(compared, 20, "the settings must give events to compare")
        }
    }

    func testSettingsBelowTheKeptFloorAreRefused() throws {
        let (path, _) = try recording()
        let first = try detector([0.5, 0.5]).run(path: path)
        var rule = EventRule()
        rule.offRatio = 0.1
        // 0.1 x 0.1 = 0.01 < 0.02: frames between were not kept.
        XCTAssertNil(first.relabelled(policy: LabelPolicy(classes: ["low", "high"], thresholds: [0.1, 0.5]), rule: rule))
        // A run made with such settings keeps scores down to them.
        let low = try detector([0.1, 0.5], rule: rule).run(path: path)
        XCTAssertEqual(try XCTUnwrap(low.frameScores).floor, 0.1 * 0.1, accuracy: 1e-7)
    }

    func testTheBinaryFileRoundTripsAndDamageIsRefused() throws {
        let (path, _) = try recording()
        let kept = try XCTUnwrap(try detector([0.5, 0.5]).run(path: path).frameScores)
        let data = kept.encoded()
        XCTAssertEqual(try FrameScores(decoding: data, source: "f"), kept)
        // Every truncation, a flipped header and a lying run count are errors naming the file.
        for cut in [0, 3, 10, 30, data.count / 2, data.count - 1] {
            XCTAssertThrowsError(try FrameScores(decoding: data.prefix(cut), source: "x.frames")) {
                XCTAssertTrue("\($0)".hasPrefix("x.frames: "), "\($0)")
            }
        }
        var lying = data
        lying.replaceSubrange(32..<40, with: [UInt8](repeating: 0xff, count: 8))
        XCTAssertThrowsError(try FrameScores(decoding: lying, source: "x.frames"))
        var wrongClass = data
        wrongClass.replaceSubrange(40..<44, with: [9, 0, 0, 0])
        XCTAssertThrowsError(try FrameScores(decoding: wrongClass, source: "x.frames"))
        XCTAssertThrowsError(try FrameScores(decoding: data + [0], source: "x.frames"))
    }
}
