// Choosing decision thresholds on validation scores: one global threshold that maximises the
// row-wise micro F1, and one per class that maximises that class's F1. Candidates are a fixed
// grid (0.01 ... 0.99) so that the choice is stable and cheap.
import Foundation

public enum Thresholds {
    /// 0.01, 0.02, ..., 0.99.
    public static let grid: [Float] = (1...99).map { Float($0) / 100 }

    /// The labels of one row whose score passes its threshold.
    public static func labels(_ scores: [Float], classes: [String], threshold: (Int) -> Float) -> Set<String> {
        Set(scores.indices.filter { scores[$0] >= threshold($0) }.map { classes[$0] })
    }

    /// The grid threshold with the best row-wise micro F1 (the lowest of equals) and that F1.
    public static func bestGlobal(scores: [[Float]], truth: [Set<String>], classes: [String]) -> (threshold: Float, f1: Double) {
        var best: (threshold: Float, f1: Double) = (0.5, -1)
        for t in grid {
            let predicted = scores.map { labels($0, classes: classes) { _ in t } }
            let f1 = RowWiseF1.score(truth: truth, predicted: predicted)
            if f1 > best.f1 { best = (t, f1) }
        }
        return best
    }

    /// Per class, the grid threshold with the best F1 of that class over the rows (the lowest of
    /// equals; `fallback` for a class with no positive and no prediction at any threshold).
    public static func bestPerClass(scores: [[Float]], truth: [[Bool]], fallback: Float) -> [Float] {
        let classes = scores.first?.count ?? 0
        return (0..<classes).map { c in
            guard truth.contains(where: { $0[c] }) else { return fallback }
            var best: (threshold: Float, f1: Double) = (fallback, -1)
            for t in grid {
                var counts = ClassCounts()
                for (row, s) in scores.enumerated() {
                    switch (truth[row][c], s[c] >= t) {
                    case (true, true): counts.truePositives += 1
                    case (false, true): counts.falsePositives += 1
                    case (true, false): counts.falseNegatives += 1
                    case (false, false): break
                    }
                }
                if counts.f1 > best.f1 { best = (t, counts.f1) }
            }
            return best.threshold
        }
    }
}
