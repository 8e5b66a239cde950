// Runs over several files: bad files are skipped and reported, a restarted run reuses the
// journal (no file detected twice, every row once) and changed files are detected again (the
// HTML report: DetectionReportTests).
import Foundation
import WarblerAudio
import WarblerFeatures
import WarblerIO
import XCTest
@testable import WarblerDetect

final class DetectionRunTests: XCTestCase {
    private func scratch(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "warbler-run-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/in/sub", withIntermediateDirectories: true)
        return dir
    }

    func testInputsExpandRecursivelyAndNameRecordingsByRelativePath() throws {
        let dir = try scratch("inputs")
        for f in ["in/b.wav", "in/a.FLAC", "in/sub/c.ogg", "in/notes.txt"] { FileManager.default.createFile(atPath: dir + "/" + f, contents: Data()) }
        XCTAssertEqual(
            try AudioInputs.expand([dir + "/in", dir + "/in/b.wav"]).map { String($0.dropFirst(dir.count + 4)) },
            ["a.FLAC", "b.wav", "sub/c.ogg"])
        // Equal names in different folders (recorders that name files by time) are told apart
        // by the path relative to the inputs' common folder; files differing only in the
        // extension keep it.
        for f in ["in/sub/b.flac", "in/sub/c.wav"] { FileManager.default.createFile(atPath: dir + "/" + f, contents: Data()) }
        let files = try AudioInputs.expand([dir + "/in"])
        XCTAssertEqual(AudioInputs.commonFolder(files), AudioInputs.absolute(dir + "/in"))
        XCTAssertEqual(AudioInputs.recordingIDs(files), ["a", "b", "sub/b", "sub/c.ogg", "sub/c.wav"])
        // One folder of files: ids are the stems, as before; one file alone: its stem.
        XCTAssertEqual(AudioInputs.recordingIDs([dir + "/in/sub/b.flac"]), ["b"])
        XCTAssertEqual(AudioInputs.recordingIDs([dir + "/in/sub/b.flac", dir + "/in/./sub/../b.wav"]), ["sub/b", "b"])
        // A missing input is kept, to fail on its own while the rest of the batch runs.
        XCTAssertEqual(try AudioInputs.expand([dir + "/nope"]), [dir + "/nope"])
    }

    func testResumeReusesTheJournalAndSkipsBadFiles() throws {
        let dir = try scratch("resume")
        let sr = 32_000
        for name in ["one", "two", "three"] {
            try AudioWriter.write((0..<sr * 6).map { Float(sin(Double($0) * 0.3)) * 0.2 }, sampleRate: sr, to: "\(dir)/in/\(name).wav")
        }
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: dir + "/in/broken.wav"))
        let files = try AudioInputs.expand([dir + "/in"])
        let detector = try RecordingDetector(
            scorer: BandEnergyScorer(), config: DetectConfig(),
            policy: LabelPolicy(classes: ["low", "high"], thresholds: [0.5, 0.5]))
        var calls: [String] = []
        let first = DetectionRun(outDir: dir + "/out", identity: "model-A")
        // Simulate a run killed after the second file: detection of "two" throws like a kill would end it.
        _ = try first.run(files) { f in
            calls.append((f as NSString).lastPathComponent)
            if f.hasSuffix("two.wav") { throw DetectError("interrupted") }
            return try detector.run(path: f)
        }
        XCTAssertEqual(calls, ["broken.wav", "one.wav", "three.wav", "two.wav"])
        calls = []
        let again = DetectionRun(outDir: dir + "/out", identity: "model-A")
        let (results, failures) = try again.run(files) { f in
            calls.append((f as NSString).lastPathComponent)
            return try detector.run(path: f)
        }
        // Only the broken file and the interrupted one are attempted again.
        XCTAssertEqual(calls, ["broken.wav", "two.wav"])
        XCTAssertEqual(results.map(\.recording), ["one", "three", "two"])
        XCTAssertEqual(failures.count, 1)
        XCTAssertTrue(failures[0].reason.contains("broken.wav"), failures[0].reason)
        try ResultWriters.write(results, policy: detector.policy, formats: [.cornell], to: dir + "/out")
        let rows = try CSV.read(dir + "/out/cornell.csv").rows.map { $0[0] }
        XCTAssertEqual(rows, ["one_5", "one_10", "three_5", "three_10", "two_5", "two_10"])
        // Another model, or a changed file, is not served from the journal.
        XCTAssertNil(DetectionRun(outDir: dir + "/out", identity: "model-B").journalled(files[1]))
        try AudioWriter.write([Float](repeating: 0, count: sr), sampleRate: sr, to: "\(dir)/in/one.wav")
        XCTAssertNil(again.journalled(dir + "/in/one.wav"))
    }
}
