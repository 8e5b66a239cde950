// The metrics on small cases worked out by hand (each comment shows the arithmetic), plus
// scikit-learn parity on random tables (fixture from tools/fixtures/metrics.py).
import Foundation
import WarblerIO
import WarblerMetrics
import WarblerTestSupport
import XCTest

final class MetricsTests: XCTestCase {
    func testRowWiseF1CountsNocallAndAveragesRows() {
        // Rows: {a} vs {a} -> 1; {} vs {} -> nocall matches -> 1; {a, b} vs {a} -> 2/(2+0+1).
        let f1 = RowWiseF1.score(truth: [["a"], [], ["a", "b"]], predicted: [["a"], [], ["a"]])
        XCTAssertEqual(f1, (1 + 1 + 2.0 / 3) / 3, accuracy: 1e-12)
        // A missed bird predicted as nocall scores 0; a bird predicted in an empty row scores 0.
        XCTAssertEqual(RowWiseF1.score(truth: [["a"], []], predicted: [[], ["a"]]), 0)
        // {a, b} vs {b, c}: TP 1, FP 1, FN 1 -> 2/4.
        XCTAssertEqual(RowWiseF1.rowScore(truth: ["a", "b"], predicted: ["b", "c"]), 0.5)
    }

    func testAveragePrecisionByHand() throws {
        // Thresholds 0.9: R .5 P 1; 0.8: R .5 (adds 0); 0.7: R 1 P 2/3 -> .5 + .5 * 2/3.
        let ap = try XCTUnwrap(AveragePrecision.score([0.9, 0.8, 0.7, 0.6], positives: [true, false, true, false]))
        XCTAssertEqual(ap, 0.5 + 0.5 * 2 / 3, accuracy: 1e-12)
        // Tied scores enter together: one threshold, R 1, P 1/2.
        XCTAssertEqual(try XCTUnwrap(AveragePrecision.score([0.5, 0.5], positives: [true, false])), 0.5, accuracy: 1e-12)
        XCTAssertNil(AveragePrecision.score([0.1, 0.2], positives: [false, false]))
        // Macro skips the class with no positive; padded cmAP counts it (padding rows make it 1).
        let scores: [[Float]] = [[0.9, 0.2], [0.1, 0.4]], truth = [[true, false], [false, false]]
        let macro = AveragePrecision.macro(scores: scores, truth: truth)
        XCTAssertEqual(try XCTUnwrap(macro.mean), 1, accuracy: 1e-12)
        XCTAssertNil(macro.perClass[1])
        // Class 0 with 5 padding rows: ranks 1 x5 (pos), .9 (pos), .1 (neg) -> AP 1.
        // Class 1: 1 x5 (pos) then .4, .2 (neg) -> AP 1. Both 1.
        XCTAssertEqual(try XCTUnwrap(AveragePrecision.paddedCMAP(scores: scores, truth: truth)), 1, accuracy: 1e-12)
        // A class ranked wrongly is not rescued entirely: [0.9 neg, 0.1 pos] + 1 padding row:
        // thresholds 1: R .5 P 1; .9: R .5; .1: R 1 P 2/3 -> .5 + .5 * 2/3.
        let cmap = try XCTUnwrap(AveragePrecision.paddedCMAP(scores: [[0.9], [0.1]], truth: [[false], [true]], padding: 1))
        XCTAssertEqual(cmap, 0.5 + 0.5 * 2 / 3, accuracy: 1e-12)
    }

    func testPerLabelCounts() {
        let counts = ClassCounts.perLabel(truth: [["a"], [], ["a", "b"]], predicted: [["a", "b"], ["a"], []])
        // a: TP row 0, FP row 1, FN row 2. b: FP row 0, FN row 2. nocall: FN row 1, FP row 2.
        XCTAssertEqual(counts["a"], ClassCounts(truePositives: 1, falsePositives: 1, falseNegatives: 1))
        XCTAssertEqual(counts["b"], ClassCounts(truePositives: 0, falsePositives: 1, falseNegatives: 1))
        XCTAssertEqual(counts["nocall"], ClassCounts(truePositives: 0, falsePositives: 1, falseNegatives: 1))
        XCTAssertEqual(counts["a"]!.f1, 0.5, accuracy: 1e-12)
    }

    func testEventF1MatchesEachTrueEventOnceWithinTheTolerance() {
        let truth = [
            SoundEvent(recording: "r1", label: "a", onset: 1.0, offset: 2),
            SoundEvent(recording: "r1", label: "a", onset: 5.0, offset: 6),
            SoundEvent(recording: "r1", label: "b", onset: 2.0, offset: 3),
        ]
        let predicted = [
            SoundEvent(recording: "r1", label: "a", onset: 1.3, offset: 2),  // near t0, but p1 is nearer
            SoundEvent(recording: "r1", label: "a", onset: 1.1, offset: 2),  // hit t0
            SoundEvent(recording: "r1", label: "b", onset: 4.0, offset: 5),  // 2 s late: miss
            SoundEvent(recording: "r2", label: "a", onset: 5.0, offset: 6),
        ]  // other recording
        let c = EventF1.counts(truth: truth, predicted: predicted, onsetTolerance: 0.5)
        XCTAssertEqual(c, ClassCounts(truePositives: 1, falsePositives: 3, falseNegatives: 2))
        XCTAssertEqual(c.f1, 2.0 / 7, accuracy: 1e-12)
        // A wider tolerance catches the late b.
        XCTAssertEqual(EventF1.counts(truth: truth, predicted: predicted, onsetTolerance: 2).truePositives, 2)
    }

    func testThresholdsPickTheBestGridValue() {
        let classes = ["a", "b"]
        // Row 0 is {a} with b at 0.30; row 1 is empty. Any t in (0.30, 0.80] is perfect: 0.31.
        let best = Thresholds.bestGlobal(scores: [[0.8, 0.3], [0.2, 0.1]], truth: [["a"], []], classes: classes)
        XCTAssertEqual(best.threshold, 0.31, accuracy: 1e-6)
        XCTAssertEqual(best.f1, 1)
        // Per class: a needs t in (0.2, 0.8] -> 0.21; b has no positive -> the fallback.
        let perClass = Thresholds.bestPerClass(scores: [[0.8, 0.3], [0.2, 0.1]], truth: [[true, false], [false, false]], fallback: 0.5)
        XCTAssertEqual(perClass[0], 0.21, accuracy: 1e-6)
        XCTAssertEqual(perClass[1], 0.5)
    }

    func testRobustThresholdsTakeThePlateausMiddleNotItsEdge() {
        let classes = ["a", "b"]
        // Every t in (0.30, 0.80] is perfect: the lowest edge is 0.31, the middle of the plateau 0.55.
        let scores: [[Float]] = [[0.8, 0.3], [0.2, 0.1]]
        let robust = Thresholds.robustGlobal(scores: scores, truth: [["a"], []], classes: classes, tolerance: 0)
        XCTAssertEqual(robust.threshold, 0.55, accuracy: 1e-6)
        XCTAssertEqual(robust.f1, 1)
        // A plateau low on the grid is clamped up to the bound.
        let low = Thresholds.robustGlobal(
            scores: [[0.06, 0.01], [0.01, 0.01]], truth: [["a"], []], classes: classes,
            tolerance: 0, bounds: 0.1...0.9)
        XCTAssertEqual(low.threshold, 0.1, accuracy: 1e-6)
        XCTAssertLessThan(low.f1, 1, "the F1 reported is the one at the clamped threshold")
        // Per class: a's own plateau (0.2, 0.8] has its middle at 0.5; with one positive row and
        // a prior of 3 rows it is pulled toward the global 0.3: (1 * 0.5 + 3 * 0.3) / 4 = 0.35.
        // b has no positive row: the global value.
        let perClass = Thresholds.robustPerClass(
            scores: scores, truth: [[true, false], [false, false]], global: 0.3, prior: 3,
            tolerance: 0)
        XCTAssertEqual(perClass[0], 0.35, accuracy: 1e-6)
        XCTAssertEqual(perClass[1], 0.3)
        // With many positives the class keeps (nearly) its own value.
        let many = Thresholds.robustPerClass(
            scores: Array(repeating: [0.8, 0.1], count: 200) + Array(repeating: [0.2, 0.1], count: 200),
            truth: Array(repeating: [true, false], count: 200) + Array(repeating: [false, false], count: 200),
            global: 0.3, prior: 3, tolerance: 0)
        XCTAssertEqual(many[0], (200 * 0.5 + 3 * 0.3) / 203, accuracy: 1e-5)
    }

    func testThresholdsFileIsCheckedAgainstTheClasses() throws {
        let t = ThresholdsFile(classes: ["a", "b"], global: 0.4, perClass: [0.3, 0.5], epoch: 2, validationF1: 0.9)
        XCTAssertNoThrow(try t.validate(classes: ["a", "b"], source: "x"))
        XCTAssertThrowsError(try t.validate(classes: ["a", "c"], source: "ckpt.safetensors")) {
            XCTAssertTrue("\($0)".contains("ckpt.safetensors"), "\($0)")
        }
        var bad = t
        bad.perClass = [0.3, .nan]
        XCTAssertThrowsError(try bad.validate(classes: ["a", "b"], source: "x"))
    }

    func testScikitLearnParity() throws {
        let fixture = try Fixtures.json("metrics/sklearn.json", script: "metrics.py") as! [String: Any]
        let scores = (fixture["scores"] as! [[Double]]).map { $0.map(Float.init) }
        let truth = fixture["truth"] as! [[Bool]]
        let macro = AveragePrecision.macro(scores: scores, truth: truth)
        let refPerClass = fixture["ap_per_class"] as! [Any]
        for (c, ref) in refPerClass.enumerated() {
            if let ref = ref as? Double {
                XCTAssertEqual(try XCTUnwrap(macro.perClass[c]), ref, accuracy: 1e-9, "class \(c)")
            } else {
                XCTAssertNil(macro.perClass[c], "class \(c) has no positive")
            }
        }
        XCTAssertEqual(try XCTUnwrap(macro.mean), fixture["ap_macro"] as! Double, accuracy: 1e-9)
        XCTAssertEqual(
            try XCTUnwrap(AveragePrecision.paddedCMAP(scores: scores, truth: truth)),
            fixture["padded_cmap"] as! Double, accuracy: 1e-9)
        let classes = (0..<truth[0].count).map { "c\($0)" }
        let truthSets = truth.map { row in Set(row.indices.filter { row[$0] }.map { classes[$0] }) }
        let predicted = scores.map { Thresholds.labels($0, classes: classes) { _ in 0.5 } }
        XCTAssertEqual(RowWiseF1.score(truth: truthSets, predicted: predicted), fixture["row_f1_at_half"] as! Double, accuracy: 1e-9)
    }
}

final class CSVTests: XCTestCase {
    func testQuotedFieldsCRLFAndBOM() throws {
        let text = "\u{FEFF}primary_label,secondary_labels,filename\r\nbird1,\"['a', 'b']\",x/1.ogg\r\nbird2,\"say \"\"hi\"\", ok\",y.ogg\r\n"
        let t = try CSV.parse(text)
        XCTAssertEqual(t.header, ["primary_label", "secondary_labels", "filename"])
        XCTAssertEqual(t.rows, [["bird1", "['a', 'b']", "x/1.ogg"], ["bird2", "say \"hi\", ok", "y.ogg"]])
        XCTAssertEqual(try t.column("filename", path: "t.csv"), 2)
        XCTAssertThrowsError(try t.column("nope", path: "t.csv")) { XCTAssertTrue("\($0)".contains("t.csv: has no 'nope' column")) }
    }

    func testRaggedRowsAndOpenQuotesAreErrorsNamingTheFile() {
        XCTAssertThrowsError(try CSV.parse("a,b\n1,2\n3\n", path: "m.csv")) {
            XCTAssertEqual("\($0)", "m.csv: line 3 has 1 fields but the header has 2")
        }
        XCTAssertThrowsError(try CSV.parse("a,b\n\"1,2\n", path: "m.csv")) { XCTAssertTrue("\($0)".contains("missing closing quote")) }
        XCTAssertThrowsError(try CSV.parse("", path: "e.csv")) { XCTAssertTrue("\($0)".contains("e.csv: is empty")) }
    }

    func testFormatRoundTrips() throws {
        let rows = [["x", "a,b"], ["y", "q\"q"]]
        XCTAssertEqual(try CSV.parse(CSV.format(header: ["id", "v"], rows: rows)).rows, rows)
    }
}
