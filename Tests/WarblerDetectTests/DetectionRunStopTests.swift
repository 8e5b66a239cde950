// Detect's run under interruption and a full disk (issue 12, part B): a stop request ends the run
// between recordings with the finished ones journalled; a journal entry or an output file that
// cannot be written is an output failure (the recording's result is kept), and every other
// format is still written.
import Foundation
import WarblerAudio
import WarblerIO
import XCTest
@testable import WarblerDetect

final class DetectionRunStopTests: XCTestCase {
    private func inputs(_ dir: String) throws -> [String] {
        for name in ["one", "two", "three"] {
            try AudioWriter.write((0..<32_000 * 6).map { Float(sin(Double($0) * 0.3)) * 0.2 }, sampleRate: 32_000, to: "\(dir)/in/\(name).wav")
        }
        return try AudioInputs.expand([dir + "/in"])
    }

    private func scratch(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "warbler-detect-stop-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/in", withIntermediateDirectories: true)
        return dir
    }

    private let detector = {
        try! RecordingDetector(
            scorer: BandEnergyScorer(), config: DetectConfig(),
            policy: LabelPolicy(classes: ["low", "high"], thresholds: [0.5, 0.5]))
    }()

    func testAStopRequestEndsTheRunBetweenRecordings() throws {
        let dir = try scratch("stop")
        let files = try inputs(dir)
        let run = DetectionRun(outDir: dir + "/out", identity: "m")
        var done = 0
        run.shouldStop = { done == 2 }
        XCTAssertThrowsError(
            try run.run(files) { f in
                defer { done += 1 }; return try self.detector.run(path: f)
            }
        ) { error in
            XCTAssertEqual((error as? DetectionInterrupted)?.finished, 2, "\(error)")
        }
        let again = DetectionRun(outDir: dir + "/out", identity: "m")
        var calls = 0
        let (results, failures) = try again.run(files) { f in
            calls += 1; return try self.detector.run(path: f)
        }
        XCTAssertEqual(calls, 1, "the two finished before the stop are journalled")
        XCTAssertEqual(results.count, 3)
        XCTAssertTrue(failures.isEmpty)
    }

    func testAJournalThatCannotBeWrittenDoesNotFailTheRecording() throws {
        let dir = try scratch("journal")
        let files = try inputs(dir)
        // A file where the journal folder should be: every journal write fails.
        try FileManager.default.createDirectory(atPath: dir + "/out", withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: dir + "/out/.journal"))
        let run = DetectionRun(outDir: dir + "/out", identity: "m")
        let (results, failures) = try run.run(files) { try self.detector.run(path: $0) }
        XCTAssertEqual(results.count, 3)
        XCTAssertTrue(failures.isEmpty, "\(failures)")
        XCTAssertEqual(run.journalFailures.count, 3)
    }

    func testOneFormatThatCannotBeWrittenLeavesTheOthersWritten() throws {
        let dir = try scratch("formats")
        let results = try inputs(dir).map { try detector.run(path: $0) }
        // A folder where detections.json should go: its rename fails.
        try FileManager.default.createDirectory(atPath: dir + "/out/detections.json", withIntermediateDirectories: true)
        let outcome = try ResultWriters.writeEach(results, policy: detector.policy, formats: OutputFormat.allCases, to: dir + "/out")
        XCTAssertEqual(outcome.failed.map(\.path), [dir + "/out/detections.json"])
        for f in ["cornell.csv", "scores.csv", "detections.csv", "detections.sqlite", "audacity/one.txt", "raven/all.selections.txt"] {
            XCTAssertTrue(outcome.written.contains(dir + "/out/" + f), f)
        }
        XCTAssertThrowsError(try ResultWriters.write(results, policy: detector.policy, formats: [.json], to: dir + "/out"))
    }
}
