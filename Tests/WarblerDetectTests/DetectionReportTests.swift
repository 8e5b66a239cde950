// The review report's Swift side: page names that are safe and unique for any recording id
// (ids may hold '/'), time pages of long recordings, which detections get audio clips and that
// the clips hold the recording's samples, and the pages and index written for a detected file.
// What the pages do in a browser is checked by scripts/check-report.sh in headless Chromium.
import Foundation
import WarblerAudio
import WarblerFeatures
import WarblerIO
import XCTest
@testable import WarblerDetect

final class DetectionReportTests: XCTestCase {
    private func scratch(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "warbler-report-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/in", withIntermediateDirectories: true)
        return dir
    }

    func testPageNamesFollowTheEscapingRule() {
        XCTAssertEqual(DetectionReport.pageName(for: "siteA/20240501_060000"), "siteA~~20240501_060000")
        XCTAssertEqual(DetectionReport.pageName(for: "XC-123_a"), "XC-123_a")
        XCTAssertEqual(DetectionReport.pageName(for: "site <1>"), "site~20~3C1~3E")
        XCTAssertEqual(DetectionReport.pageName(for: "../up"), "~2E~2E~~up")
        XCTAssertEqual(DetectionReport.pageName(for: ".hidden"), "~2Ehidden")
        XCTAssertEqual(DetectionReport.pageName(for: "é~"), "~C3~A9~7E")
        XCTAssertEqual(DetectionReport.pageName(for: ""), "~")
    }

    func testPageNamesAreUniqueAndSafe() {
        let ids = [
            "a/b", "a_b", "a~~b", "a~b", "a~7Eb", "a/7Eb", "a//b", "a~/b", "A/b", "a b", "a.b", "a%2Fb", "~", "",
            String(repeating: "x/", count: 150) + "1", String(repeating: "x/", count: 150) + "2",
        ]
        let names = ids.map(DetectionReport.pageName(for:))
        XCTAssertEqual(Set(names).count, ids.count, "\(names)")
        for name in names {
            XCTAssertFalse(name.contains("/"), name)
            XCTAssertFalse(name.hasPrefix("."), name)
            XCTAssertLessThanOrEqual(name.utf8.count, 200, name)
        }
    }

    func testLongRecordingsAreSplitIntoTimePages() {
        // An hour at 30 ms per column: 60 pages of a minute, together covering every column.
        let hour = DetectionReport.timePages(columns: 120_000, secondsPerColumn: 0.03)
        XCTAssertEqual(hour.count, 60)
        XCTAssertEqual(hour.first, 0..<2000)
        XCTAssertEqual(hour.last, 118_000..<120_000)
        for (a, b) in zip(hour, hour.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
        // Up to 1.5 page lengths: one page.
        XCTAssertEqual(DetectionReport.timePages(columns: 8000, secondsPerColumn: 0.01), [0..<8000])
        // Coarse columns (a long recording pooled hard): pages of one plot width of columns.
        XCTAssertEqual(DetectionReport.timePages(columns: 5000, secondsPerColumn: 0.3).count, 5)
        XCTAssertEqual(DetectionReport.timePages(columns: 0, secondsPerColumn: 0.03), [])
    }

    func testClipPlanPadsCapsAndKeepsTheBestWithinTheBudget() {
        func event(_ onset: Double, _ offset: Double, _ score: Float) -> DetectedEvent {
            DetectedEvent(recording: "r", label: "a", onset: onset, offset: offset, confidence: score)
        }
        var policy = ReportClipPolicy()
        (policy.padding, policy.maxDetectionSeconds, policy.budgetSeconds) = (0.5, 4, 9.5)
        // Clips: 0.2 s -> [0, 1.5] (1.5 s); 10-30 s capped -> [9.5, 14.5] (5 s); 50-51 -> [49.5, 51.5] (2 s);
        // 59-60 at the end -> [58.5, 60] (1.5 s). By score 0.9, 0.8, 0.7 fit (8 s); 0.6's 2 s would make 10, over 9.5.
        let events = [event(0.2, 1, 0.9), event(10, 30, 0.8), event(50, 51, 0.6), event(59, 60, 0.7)]
        let plan = ReportClipPlan(events: events, duration: 60, policy: policy)
        XCTAssertEqual(
            plan.clips,
            [
                .init(event: 0, start: 0, end: 1.5), .init(event: 1, start: 9.5, end: 14.5),
                .init(event: 3, start: 58.5, end: 60),
            ])
        XCTAssertEqual(plan.totalSeconds, 8, accuracy: 1e-9)
    }

    func testDetectionsOverTheSameSpanShareOneClip() {
        let events =
            ["a", "b", "c"].map { DetectedEvent(recording: "r", label: $0, onset: 5, offset: 10, confidence: 0.5) }
            + [DetectedEvent(recording: "r", label: "a", onset: 20, offset: 21, confidence: 0.4)]
        var policy = ReportClipPolicy()
        policy.budgetSeconds = 7
        let plan = ReportClipPlan(events: events, duration: 30, policy: policy)
        // Three detections over 4.5-10.5 s cost 6 s once; the fourth's 2 s would pass the budget.
        XCTAssertEqual(plan.clips.map(\.event), [0, 1, 2])
        XCTAssertEqual(plan.unique, [.init(event: 0, start: 4.5, end: 10.5)])
        XCTAssertEqual(plan.totalSeconds, 6, accuracy: 1e-9)
    }

    func testReportPagesAreWritten() throws {
        let dir = try scratch("pages")
        let policy = LabelPolicy(classes: ["low", "high"], thresholds: [0.5, 0.5])
        let detector = try RecordingDetector(scorer: BandEnergyScorer(), config: DetectConfig(), policy: policy)
        let sr = 32_000
        var y = [Float](repeating: 0, count: sr * 8)
        let f = detector.frontEnd.filterbank.centerFrequencies[36]
        for i in sr..<(2 * sr) { y[i] = Float(0.4 * sin(2 * .pi * f * Double(i) / Double(sr))) }
        for i in 0..<y.count { y[i] += Float(0.01 * sin(Double(i) * 0.37)) }
        try AudioWriter.write(y, sampleRate: sr, to: dir + "/in/site <1>.wav")
        var picture = DetectionReport.picture(bins: 128, expectedFrames: 801)
        var r = try detector.run(path: dir + "/in/site <1>.wav", picture: { picture.add($0) })
        XCTAssertEqual(picture.columnCount, 800)
        XCTAssertGreaterThan(r.events.count, 0)
        // The coordinator's ids are paths relative to the inputs' folder.
        r.recording = "siteA/site <1>"
        let report = dir + "/out/report"
        let page = try DetectionReport.write(r, picture: picture, frontEnd: detector.frontEnd, policy: policy, to: report)
        XCTAssertEqual(page, report + "/siteA~~site~20~3C1~3E.html")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        // Audio: the clips only (the source path appears once, as text); nothing outside the folder.
        XCTAssertEqual(html.components(separatedBy: ".wav").count - 1, r.events.count + 1)
        XCTAssertFalse(html.contains("\"../") || html.contains("file:"))
        XCTAssertTrue(html.contains("<h1>siteA/site &lt;1&gt;</h1>"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: report + "/siteA~~site~20~3C1~3E.files/page-001.png"))
        // Each detection's clip is the recording's samples from onset - 0.5 s to offset + 0.5 s (16-bit).
        for (i, e) in r.events.enumerated() {
            let clipPath = String(format: "siteA~~site~20~3C1~3E.files/clip-%05d.wav", i + 1)
            XCTAssertTrue(html.contains("\"\(clipPath)\""), clipPath)
            let clip = try AudioLoader.load(report + "/" + clipPath, config: AudioConfig(sampleRate: nil))
            XCTAssertEqual(clip.sampleRate, sr)
            let start = Int((max(0, e.onset - 0.5) * Double(sr)).rounded(.down))
            let end = Int((min(r.duration, e.offset + 0.5) * Double(sr)).rounded(.up))
            XCTAssertEqual(clip.samples.count, min(end, y.count) - start)
            for (k, v) in clip.samples.enumerated() where k % 97 == 0 { XCTAssertEqual(v, y[start + k], accuracy: 1.0 / 16_000) }
        }
        let other = RecordingResult(recording: "siteB/quiet", path: r.path, duration: r.duration, windows: r.windows, events: [])
        let index = try DetectionReport.writeIndex(
            [r, other], failures: [("x.wav", "corrupt")],
            about: [("checkpoint", "run/best <1>.safetensors")], to: report)
        let text = try String(contentsOfFile: index, encoding: .utf8)
        XCTAssertTrue(text.contains("<li>x.wav: corrupt</li>"))
        XCTAssertTrue(text.contains("<dt>checkpoint</dt><dd>run/best &lt;1&gt;.safetensors</dd>"))
        XCTAssertTrue(text.contains("href=\"siteA~~site~20~3C1~3E.html\""))
        XCTAssertTrue(text.contains("href=\"siteB~~quiet.html\""))
        let label = r.events[0].label
        let count = r.events.filter { $0.label == label }.count
        XCTAssertTrue(text.contains("\">\(label)</a></td><td>\(count)</td><td>1</td>"), "species summary row for \(label)")
        let nav = try String(contentsOfFile: report + "/nav.js", encoding: .utf8)
        XCTAssertTrue(nav.contains("siteA~~site~20~3C1~3E.html") && nav.contains("siteB~~quiet.html"))
    }
}
