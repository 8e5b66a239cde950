// Streaming detection over a recording with tones at known times, scored by a stand-in model
// that reads the log-mel (class k = "energy in band k"), and the streaming event tracker
// against the whole-array decoder.
import Foundation
import WarblerAudio
import WarblerFeatures
import XCTest
@testable import WarblerDetect

/// Class k's framewise score is 1 where any mel bin of band k is loud, else 0;
/// clipwise is the highest framewise score.
struct BandEnergyScorer: WindowScorer {
    let classes = ["low", "high"]
    let bands = [30..<40, 90..<100]
    func score(_ windows: [Spectrogram]) throws -> [WindowPrediction] {
        windows.map { s in
            let framewise = (0..<s.frameCount).map { f in
                bands.map { band -> Float in
                    band.map { s[f, $0] }.max()! > 0 ? 1 : 0
                }
            }
            return WindowPrediction(clipwise: (0..<2).map { k in framewise.map { $0[k] }.max() ?? 0 }, framewise: framewise)
        }
    }
}

final class RecordingDetectorTests: XCTestCase {
    /// 12 s at 32 kHz: a tone in the "low" band at 1.0-2.0 s and one across the first window
    /// boundary at 4.5-5.5 s; the "high" band at 8.0-8.5 s.
    private func makeRecording() throws -> String {
        let sr = 32_000
        var y = [Float](repeating: 0, count: 12 * sr)
        let fe = FrontEndConfig()
        let mel = MelFilterbank(config: fe)
        func centre(_ bin: Int) -> Double { mel.centerFrequencies[bin + 1] }
        // Tones with 5 ms raised-cosine ramps (a hard edge would click across every band).
        func tone(_ f: Double, _ a: Double, _ b: Double) {
            let ramp = 0.005
            for i in Int(a * Double(sr))..<Int(b * Double(sr)) {
                let t = Double(i) / Double(sr)
                let edge = min(1, (t - a) / ramp, (b - t) / ramp)
                let gain = 0.5 - 0.5 * cos(.pi * max(0, edge))
                y[i] += Float(0.5 * gain * sin(2 * .pi * f * t))
            }
        }
        tone(centre(35), 1.0, 2.0)
        tone(centre(35), 4.5, 5.5)
        tone(centre(95), 8.0, 8.5)
        let path = NSTemporaryDirectory() + "warbler-detect-\(getpid())-tones.wav"
        try AudioWriter.write(y, sampleRate: sr, to: path, encoding: .float32)
        return path
    }

    func testEventsAcrossWindowBoundariesWithAndWithoutOverlap() throws {
        let path = try makeRecording()
        for hop in [5.0, 2.5] {
            var config = DetectConfig()
            config.hopSeconds = hop
            config.batchSize = 3
            let detector = try RecordingDetector(
                scorer: BandEnergyScorer(), config: config,
                policy: LabelPolicy(classes: ["low", "high"], thresholds: [0.5, 0.5]))
            let r = try detector.run(path: path)
            XCTAssertEqual(r.duration, 12, accuracy: 1e-9)
            XCTAssertEqual(r.windows.count, hop == 5 ? 3 : 5, "hop \(hop)")
            XCTAssertEqual(r.events.map(\.label), ["low", "low", "high"], "hop \(hop): \(r.events)")
            // Frames are 10 ms; a 1024-sample window smears onsets by up to ~16 ms each way.
            for (e, (on, off)) in zip(r.events, [(1.0, 2.0), (4.5, 5.5), (8.0, 8.5)]) {
                XCTAssertEqual(e.onset, on, accuracy: 0.03, "hop \(hop): \(e)")
                XCTAssertEqual(e.offset, off, accuracy: 0.03, "hop \(hop): \(e)")
            }
            // Clipwise: window [0, 5) and [5, 10) both hear "low"; only [5, 10) hears "high".
            let byStart = Dictionary(uniqueKeysWithValues: r.windows.map { ($0.start, $0.scores) })
            XCTAssertEqual(byStart[0], [1, 0])
            XCTAssertEqual(byStart[5], [1, 1])
            XCTAssertEqual(byStart[10], [0, 0])
            XCTAssertEqual(r.windows.last?.end, 12)
        }
    }

    func testStreamingTrackerEqualsTheWholeArrayDecoder() {
        var rng = SplitMix64(seed: 9)
        for trial in 0..<200 {
            var rule = EventRule()
            rule.offRatio = [1, 0.6, 0.3][trial % 3]
            rule.mergeGap = [0, 0.05, 0.3][trial % 3 == 0 ? 1 : (trial / 3) % 3]
            rule.minimumDuration = [0, 0.05, 0.2][(trial / 9) % 3]
            // Smooth random scores so runs and gaps of several frames occur.
            var v = 0.0
            let scores: [Float] = (0..<150).map { _ in
                v = 0.8 * v + 0.2 * rng.nextDouble() * 2.2; return Float(min(1, v))
            }
            let whole = EventDecoder.events(scores: scores, frameRate: 100, start: 0, onThreshold: 0.6, rule: rule)
            var tracker = StreamingEventTracker(classes: 1, onThresholds: [0.6], frameRate: 100, rule: rule)
            var streamed: [(Double, Double, Float)] = []
            for s in scores { streamed += tracker.push([s]).map { (Double($0.first) / 100, Double($0.end) / 100, $0.peak) } }
            streamed += tracker.finish().map { (Double($0.first) / 100, Double($0.end) / 100, $0.peak) }
            streamed.sort { $0.0 < $1.0 }
            XCTAssertEqual(streamed.count, whole.count, "trial \(trial)")
            for (a, b) in zip(streamed, whole) {
                XCTAssertEqual(a.0, b.onset, accuracy: 1e-9, "trial \(trial)")
                XCTAssertEqual(a.1, b.offset, accuracy: 1e-9, "trial \(trial)")
                XCTAssertEqual(a.2, b.confidence, "trial \(trial)")
            }
        }
    }
}
