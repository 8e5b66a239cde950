// `warbler evaluate` end to end on a small case worked out by hand.
import Foundation
import XCTest

final class EvaluateCommandTests: CLITestCase {
    private func write(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    func testScoresAgainstCornellTruth() throws {
        let truth = try write("truth.csv", "row_id,birds\nsite1_5,amerob\nsite1_10,nocall\nsite1_15,amerob bkcchi\n")
        let scores = try write("scores.csv", "row_id,amerob,bkcchi\nsite1_5,0.9,0.1\nsite1_10,0.2,0.6\nsite1_15,0.7,0.3\n")
        let r = try CLI.run(["evaluate", "--truth", truth, "--pred", scores, "--json", dir + "/report.json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // At 0.5 the rows are {amerob} (F1 1), {bkcchi} vs nocall (0), {amerob} vs both (2/3).
        XCTAssertTrue(r.stdout.contains("row-wise micro F1: 0.5556"), r.stdout)
        // AP: amerob ranks its two rows first (1); bkcchi's one positive is second of three (1/2).
        XCTAssertTrue(r.stdout.contains("mAP (classes with a positive): 0.7500"), r.stdout)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/report.json"))) as! [String: Any]
        let segments = json["segments"] as! [String: Any]
        XCTAssertEqual(segments["rowWiseMicroF1"] as! Double, 5.0 / 9, accuracy: 1e-9)
        // With the submission itself as predictions the score is perfect.
        let perfect = try CLI.run(["evaluate", "--truth", truth, "--pred", truth])
        XCTAssertTrue(perfect.stdout.contains("row-wise micro F1: 1.0000"), perfect.stdout)
    }

    func testEventsAndBadInput() throws {
        let te = try write("te.csv", "recording,label,onset,offset\nr1,a,1.0,2\nr1,a,5.0,6\n")
        let pe = try write("pe.csv", "recording,label,onset,offset\nr1,a,1.2,2\n")
        let ok = try CLI.run(["evaluate", "--truth-events", te, "--pred-events", pe, "--onset-tolerance", "0.5"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("1 of 2 true and 1 predicted matched"), ok.stdout)
        XCTAssertTrue(ok.stdout.contains("F1 0.6667"), ok.stdout)

        let partial = try write("partial.csv", "row_id,birds\nsite1_5,amerob\n")
        let truth = try write("truth.csv", "row_id,birds\nsite1_5,amerob\nsite1_10,nocall\n")
        let missing = try CLI.run(["evaluate", "--truth", truth, "--pred", partial])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertEqual(missing.stderr, "warbler: \(partial): no prediction for row 'site1_10'\n")
        let broken = try write("broken.csv", "row_id,amerob\nsite1_5,high\nsite1_10,0.1\n")
        let bad = try CLI.run(["evaluate", "--truth", truth, "--pred", broken])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("\(broken): line 2, column 'amerob': 'high' is not a score"), bad.stderr)
        let unpaired = try CLI.run(["evaluate", "--truth", truth])
        XCTAssertNotEqual(unpaired.status, 0)
        XCTAssertTrue(unpaired.stderr.contains("--truth and --pred go together"), unpaired.stderr)
    }
}
