// Per-class precision, recall and F1 from label sets (one set per row), with the micro totals.
import Foundation

public struct ClassCounts: Sendable, Equatable {
    public var truePositives = 0
    public var falsePositives = 0
    public var falseNegatives = 0

    public init(truePositives: Int = 0, falsePositives: Int = 0, falseNegatives: Int = 0) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.falseNegatives = falseNegatives
    }

    /// TP / (TP + FP); 0 when nothing was predicted.
    public var precision: Double { ratio(truePositives, truePositives + falsePositives) }
    /// TP / (TP + FN); 0 when nothing was there.
    public var recall: Double { ratio(truePositives, truePositives + falseNegatives) }
    /// 2 TP / (2 TP + FP + FN); 0 when both are empty.
    public var f1: Double { ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives) }
    /// Rows where the class is truly present.
    public var support: Int { truePositives + falseNegatives }

    private func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }

    /// Counts per label over rows of (truth, predicted) label sets, `nocall` included as a label
    /// when `countNocall` (the Cornell convention), else empty rows add nothing.
    public static func perLabel(truth: [Set<String>], predicted: [Set<String>], countNocall: Bool = true) -> [String: ClassCounts] {
        var counts: [String: ClassCounts] = [:]
        for (t0, p0) in zip(truth, predicted) {
            let t = countNocall ? RowWiseF1.withNocall(t0) : t0
            let p = countNocall ? RowWiseF1.withNocall(p0) : p0
            for label in t.union(p) {
                var c = counts[label, default: ClassCounts()]
                switch (t.contains(label), p.contains(label)) {
                case (true, true): c.truePositives += 1
                case (false, true): c.falsePositives += 1
                case (true, false): c.falseNegatives += 1
                case (false, false): break
                }
                counts[label] = c
            }
        }
        return counts
    }
}
