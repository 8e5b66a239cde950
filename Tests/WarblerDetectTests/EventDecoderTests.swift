// Event decoding on framewise scores worked out by hand (10 frames per second).
import XCTest
@testable import WarblerDetect

final class EventDecoderTests: XCTestCase {
    func testHysteresisMergingAndMinimumDuration() {
        var rule = EventRule()
        (rule.offRatio, rule.minimumDuration, rule.mergeGap) = (0.6, 0.15, 0.25)
        // on 0.5, off 0.3. Frames 2-5: rises past 0.5 at 3, stays >= 0.3 to 5 -> [0.2, 0.6).
        // Frame 7 alone above 0.5 (0.1 s after a 0.1 s gap): merged with the first (gap < 0.25).
        // Frames 12-13 > 0.5, 14 = 0.35 -> [1.2, 1.5). Frame 18 alone (0.1 s) is too short.
        let s: [Float] = [0, 0.1, 0.35, 0.6, 0.9, 0.4, 0.2, 0.55, 0.1, 0, 0, 0, 0.7, 0.8, 0.35, 0.1, 0, 0, 0.9, 0]
        let e = EventDecoder.events(scores: s, frameRate: 10, start: 100, onThreshold: 0.5, rule: rule)
        XCTAssertEqual(e.count, 2)
        XCTAssertEqual(e[0].onset, 100.2, accuracy: 1e-9)
        XCTAssertEqual(e[0].offset, 100.8, accuracy: 1e-9)
        XCTAssertEqual(e[0].confidence, 0.9)
        XCTAssertEqual(e[1].onset, 101.2, accuracy: 1e-9)
        XCTAssertEqual(e[1].offset, 101.5, accuracy: 1e-9)
        XCTAssertEqual(e[1].confidence, 0.8)
        // Without hysteresis (off = on) the first event is frames 3-4 and 7, merged: [0.3, 0.8).
        rule.offRatio = 1
        let plain = EventDecoder.events(scores: s, frameRate: 10, start: 0, onThreshold: 0.5, rule: rule)
        XCTAssertEqual(plain.first?.onset ?? -1, 0.3, accuracy: 1e-9)
        XCTAssertEqual(plain.first?.offset ?? -1, 0.8, accuracy: 1e-9)
    }

    func testEveryClassSortedByOnset() {
        let framewise: [[Float]] = [[0.9, 0], [0.9, 0], [0, 0.9], [0, 0.9], [0, 0]]
        var rule = EventRule()
        rule.minimumDuration = 0
        let e = EventDecoder.events(
            framewise: framewise, classes: ["a", "b"], recording: "r", frameRate: 10,
            threshold: { $0 == 0 ? 0.5 : 0.95 }, rule: rule)
        // b's threshold is above its scores: only a.
        XCTAssertEqual(e, [DetectedEvent(recording: "r", label: "a", onset: 0, offset: 0.2, confidence: 0.9)])
    }
}
