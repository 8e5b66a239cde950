// NaN scores (a diverged model's outputs) once made AveragePrecision.score loop forever; they
// rank below every other score now. And evaluate's tables refuse what would make a metric lie.
import Foundation
import WarblerIO
import XCTest
@testable import WarblerMetrics

final class NonFiniteScoreTests: XCTestCase {
    func testAveragePrecisionTerminatesOnNaN() {
        // NaN ranks last: 0.5 (negative) first, then both positives tied: AP = 1 * 2/3.
        XCTAssertEqual(AveragePrecision.score([.nan, 0.5, .nan], positives: [true, false, true])!, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(AveragePrecision.score([.nan, .nan], positives: [true, false])!, 0.5, accuracy: 1e-12)
        // The same answer whatever the order of the rows.
        let a = AveragePrecision.score([0.9, .nan, 0.1, .nan, 0.4], positives: [true, true, false, false, true])!
        let b = AveragePrecision.score([.nan, 0.4, .nan, 0.1, 0.9], positives: [false, true, true, false, true])!
        XCTAssertEqual(a, b, accuracy: 1e-12)
        XCTAssertNotNil(AveragePrecision.macro(scores: [[.nan], [.nan]], truth: [[true], [false]]).mean)
    }

    func scratch(_ files: [String: String]) throws -> String {
        let dir = NSTemporaryDirectory() + "warbler-eval-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        return dir
    }

    func testMissingScoreColumnDuplicateColumnsAndEmptyFilesAreErrors() throws {
        let dir = try scratch([
            "truth.csv": "row_id,birds\nr_5,amerob\nr_10,norcar\n",
            "one-class.csv": "row_id,amerob\nr_5,0.9\nr_10,0.1\n",
            "twice.csv": "row_id,amerob,amerob,norcar\nr_5,0.9,0.1,0\nr_10,0.1,0.9,1\n",
            "header-only.csv": "row_id,birds\n",
            "empty.csv": "",
            "events-header.csv": "recording,label,onset,offset\n",
        ])
        let truth = try EvaluationTables.readLabels(dir + "/truth.csv")
        // norcar has no score column: its AP would silently drop out and mAP read 1.0.
        let p = try EvaluationTables.readPredictions(dir + "/one-class.csv")
        XCTAssertThrowsError(
            try Evaluation.segments(
                truth: truth, predictions: p, predictionsPath: dir + "/one-class.csv",
                threshold: { _ in 0.5 }, reportedThreshold: 0.5)
        ) {
            XCTAssertTrue("\($0)".contains("no score column for class 'norcar'"), "\($0)")
        }
        XCTAssertThrowsError(try EvaluationTables.readPredictions(dir + "/twice.csv")) {
            XCTAssertTrue("\($0)".contains("the column 'amerob' appears more than once"), "\($0)")
        }
        XCTAssertThrowsError(try EvaluationTables.readLabels(dir + "/header-only.csv")) {
            XCTAssertTrue("\($0)".contains("no rows"), "\($0)")
        }
        XCTAssertThrowsError(try EvaluationTables.readPredictions(dir + "/empty.csv")) {
            XCTAssertTrue("\($0)".hasPrefix(dir + "/empty.csv: "), "\($0)")
        }
        XCTAssertThrowsError(try EvaluationTables.readEvents(dir + "/events-header.csv", allowNoRows: false))
        // Predicted events may be none at all (nothing was detected).
        XCTAssertEqual(try EvaluationTables.readEvents(dir + "/events-header.csv").count, 0)
    }
}
