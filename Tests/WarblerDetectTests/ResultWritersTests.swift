// Every output format written from a small set of results, then read back.
import Foundation
import GRDB
import WarblerIO
import WarblerMetrics
import XCTest
@testable import WarblerDetect

final class ResultWritersTests: XCTestCase {
    let policy = LabelPolicy(classes: ["syn01", "syn02"], thresholds: [0.5, 0.7])
    let results = [
        RecordingResult(
            recording: "site1", path: "/data/site1.flac", duration: 12,
            windows: [
                WindowScores(start: 0, end: 5, scores: [0.9, 0.1]),
                WindowScores(start: 5, end: 10, scores: [0.2, 0.6]),  // syn02 below its 0.7
                WindowScores(start: 10, end: 12, scores: [0.8, 0.75]),  // partial last window
            ], events: [DetectedEvent(recording: "site1", label: "syn01", onset: 1.25, offset: 2.5, confidence: 0.95)]),
        RecordingResult(
            recording: "site2", path: "/data/site2.wav", duration: 5,
            windows: [
                WindowScores(start: 0, end: 5, scores: [0.1, 0.1])
            ], events: []),
    ]

    private func scratch(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "warbler-detect-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        return dir
    }

    func testCornellRowsThresholdsAndTopK() {
        XCTAssertEqual(
            CornellRows.submission(results, policy: policy),
            [["site1_5", "syn01"], ["site1_10", "nocall"], ["site1_15", "syn01 syn02"], ["site2_5", "nocall"]])
        var top1 = policy
        top1.topK = 1
        XCTAssertEqual(CornellRows.submission(results, policy: top1)[2], ["site1_15", "syn01"])
    }

    func testRavenCombinedTableLaysTheFilesEndToEnd() {
        // Raven Pro opens a multi-file table with its files played one after another: a
        // selection 2 s into the second of two 60-s files begins at 62 s, 2 s into that file.
        let a = RecordingResult(
            recording: "a", path: "/data/a.wav", duration: 60, windows: [],
            events: [DetectedEvent(recording: "a", label: "syn01", onset: 10, offset: 11.5, confidence: 0.8)])
        let b = RecordingResult(
            recording: "b", path: "/data/sub/../b.wav", duration: 60, windows: [],
            events: [DetectedEvent(recording: "b", label: "syn02", onset: 2, offset: 3, confidence: 0.7)])
        let empty = RecordingResult(recording: "c", path: "/data/c.wav", duration: 30, windows: [], events: [])
        let lines = ResultWriters.ravenCombined([a, empty, b]).split(separator: "\n").map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
        XCTAssertEqual(lines.count, 3)
        let header = lines[0]
        func column(_ row: [String], _ name: String) -> String { row[header.firstIndex(of: name)!] }
        XCTAssertEqual(column(lines[1], "Begin Time (s)"), "10.000")
        XCTAssertEqual(column(lines[2], "Begin Time (s)"), "92.000", "60 s of a.wav and 30 s of c.wav before it")
        XCTAssertEqual(column(lines[2], "End Time (s)"), "93.000")
        XCTAssertEqual(column(lines[2], "File Offset (s)"), "2.000")
        XCTAssertEqual(column(lines[2], "Begin File"), "b.wav")
        XCTAssertEqual(column(lines[2], "Begin Path"), "/data/b.wav")
        XCTAssertEqual(column(lines[2], "Selection"), "2")
    }

    func testOverlappingWindowsGiveOneRowPerFiveSeconds() {
        // Windows every 2.5 s: row [0, 5) takes the max of the windows covering half of it.
        let r = RecordingResult(
            recording: "x", path: "x.wav", duration: 10,
            windows: [
                WindowScores(start: 0, end: 5, scores: [0.1]), WindowScores(start: 2.5, end: 7.5, scores: [0.9]),
                WindowScores(start: 5, end: 10, scores: [0.2]),
            ], events: [])
        let rows = CornellRows.rows(r, classes: 1)
        XCTAssertEqual(rows.map(\.rowID), ["x_5", "x_10"])
        XCTAssertEqual(rows.map { $0.scores[0] }, [0.9, 0.9])
    }

    func testEveryFormatIsWrittenAndReadsBack() throws {
        let dir = try scratch("all")
        let paths = try ResultWriters.write(results, policy: policy, formats: OutputFormat.allCases, to: dir)
        XCTAssertEqual(
            Set(paths.map { String($0.dropFirst(dir.count + 1)) }),
            [
                "cornell.csv", "scores.csv", "detections.csv", "raven/site1.selections.txt", "raven/site2.selections.txt",
                "raven/all.selections.txt", "audacity/site1.txt", "audacity/site2.txt", "detections.json", "detections.sqlite",
            ])
        // cornell.csv and scores.csv are what `warbler evaluate` reads.
        let cornell = try EvaluationTables.readLabels(dir + "/cornell.csv")
        XCTAssertEqual(cornell.labels["site1_15"], ["syn01", "syn02"])
        guard case .scores(let scores) = try EvaluationTables.readPredictions(dir + "/scores.csv") else { return XCTFail("scores.csv") }
        XCTAssertEqual(scores.classes, ["syn01", "syn02"])
        XCTAssertEqual(scores.scores["site1_10"], [0.2, 0.6])
        XCTAssertEqual(
            try EvaluationTables.readEvents(dir + "/detections.csv"),
            [SoundEvent(recording: "site1", label: "syn01", onset: 1.25, offset: 2.5)])
        let raven = try String(contentsOfFile: dir + "/raven/all.selections.txt", encoding: .utf8)
        let site1 = URL(fileURLWithPath: results[0].path).standardizedFileURL.path
        XCTAssertTrue(site1.hasPrefix("/"))
        XCTAssertEqual(
            raven,
            "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tBegin File\tBegin Path\tFile Offset (s)\tSpecies\tConfidence\n"
                + "1\tSpectrogram 1\t1\t1.250\t2.500\t50\t14000\tsite1.flac\t\(site1)\t1.250\tsyn01\t0.9500\n")
        XCTAssertEqual(try String(contentsOfFile: dir + "/audacity/site1.txt", encoding: .utf8), "1.250\t2.500\tsyn01 (0.9500)\n")
        XCTAssertEqual(try String(contentsOfFile: dir + "/audacity/site2.txt", encoding: .utf8), "")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/detections.json"))) as! [String: Any]
        XCTAssertEqual((json["recordings"] as! [Any]).count, 2)
        // The database answers the kind of query a monitoring project asks.
        let db = try DatabaseQueue(path: dir + "/detections.sqlite")
        let hits = try db.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT r.path, e.onset, e.confidence FROM events e JOIN recordings r ON r.id = e.recording_id
                    JOIN classes c ON c.id = e.class_id WHERE c.label = 'syn01' AND e.confidence > 0.9
                    """)
        }
        XCTAssertEqual(hits.count, 1)
        XCTAssertEqual(hits.first?["path"] as String?, "/data/site1.flac")
        XCTAssertEqual(try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM windows") }, 4 * 2)
        // Nothing temporary is left behind.
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: dir).filter { $0.contains("tmp") }
        XCTAssertEqual(leftovers, [])
    }

    func testUnknownFormatIsNamed() {
        XCTAssertThrowsError(try OutputFormat.list("cornell,excel")) {
            XCTAssertEqual("\($0)", "--format: unknown format 'excel' (known: cornell, csv, raven, audacity, json, sqlite)")
        }
        XCTAssertEqual(try OutputFormat.list("csv, cornell,csv"), [.csv, .cornell])
    }
}
