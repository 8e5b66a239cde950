// Choosing decision thresholds on validation scores: one global threshold that maximises the
// row-wise micro F1, and one per class that maximises that class's F1. Candidates are a fixed
// grid (0.01 ... 0.99) so that the choice is stable and cheap.
//
// `bestGlobal` / `bestPerClass` keep the lowest of equally good thresholds. On a small or easy
// validation set F1 is flat over a wide range and that lowest edge fires on any noise, so
// training uses the robust pair: the middle of the plateau of near-best thresholds, bounded
// away from 0 and 1, and per class pulled toward the global value in proportion to how few
// positives the class has (`robustGlobal` / `robustPerClass`).
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

    /// The row-wise micro F1 at every grid threshold.
    static func globalCurve(scores: [[Float]], truth: [Set<String>], classes: [String]) -> [Double] {
        grid.map { t in RowWiseF1.score(truth: truth, predicted: scores.map { labels($0, classes: classes) { _ in t } }) }
    }

    /// The grid index in the middle of the run of thresholds around the (first) best value
    /// whose values are all within `tolerance` of the best.
    static func plateauMiddle(_ curve: [Double], tolerance: Double) -> Int {
        guard let best = curve.max(), let at = curve.firstIndex(of: best) else { return grid.count / 2 }
        var lo = at, hi = at
        while lo > 0 && curve[lo - 1] >= best - tolerance { lo -= 1 }
        while hi + 1 < curve.count && curve[hi + 1] >= best - tolerance { hi += 1 }
        return (lo + hi) / 2
    }

    /// The global threshold: the middle of the plateau of grid thresholds whose row-wise micro
    /// F1 is within `tolerance` of the best, clamped to `bounds`; and the F1 at that threshold.
    public static func robustGlobal(
        scores: [[Float]], truth: [Set<String>], classes: [String], tolerance: Double = 0.01,
        bounds: ClosedRange<Float> = 0.1...0.9
    ) -> (threshold: Float, f1: Double) {
        let curve = globalCurve(scores: scores, truth: truth, classes: classes)
        let t = min(max(grid[plateauMiddle(curve, tolerance: tolerance)], bounds.lowerBound), bounds.upperBound)
        return (t, RowWiseF1.score(truth: truth, predicted: scores.map { labels($0, classes: classes) { _ in t } }))
    }

    /// Per class: the middle of that class's F1 plateau (as `robustGlobal`), pulled toward
    /// `global` as t = (n t_class + prior global) / (n + prior) for a class with n positive rows
    /// (so a class with few positives keeps close to the global value), clamped to `bounds`. A
    /// class with no positive row gets `global`.
    public static func robustPerClass(
        scores: [[Float]], truth: [[Bool]], global: Float, prior: Double = 20,
        tolerance: Double = 0.01, bounds: ClosedRange<Float> = 0.1...0.9
    ) -> [Float] {
        let classes = scores.first?.count ?? 0
        return (0..<classes).map { c in
            let positives = truth.filter { $0[c] }.count
            guard positives > 0 else { return global }
            let curve: [Double] = grid.map { t in
                var counts = ClassCounts()
                for (row, s) in scores.enumerated() {
                    switch (truth[row][c], s[c] >= t) {
                    case (true, true): counts.truePositives += 1
                    case (false, true): counts.falsePositives += 1
                    case (true, false): counts.falseNegatives += 1
                    case (false, false): break
                    }
                }
                return counts.f1
            }
            let own = Double(grid[plateauMiddle(curve, tolerance: tolerance)]), n = Double(positives)
            let pulled = Float((n * own + prior * Double(global)) / (n + prior))
            return min(max(pulled, bounds.lowerBound), bounds.upperBound)
        }
    }
}

/// Decision thresholds as training chose them: written beside the checkpoints
/// (thresholds.json) and into each checkpoint's metadata (key "thresholds").
public struct ThresholdsFile: Codable, Sendable, Equatable {
    public static let metadataKey = "thresholds"
    public var classes: [String]
    /// The global threshold chosen on validation row-wise F1.
    public var global: Float
    /// Per class, the threshold chosen on that class's validation F1.
    public var perClass: [Float]
    public var epoch: Int
    public var validationF1: Double

    public init(classes: [String], global: Float, perClass: [Float], epoch: Int, validationF1: Double) {
        self.classes = classes
        self.global = global
        self.perClass = perClass
        self.epoch = epoch
        self.validationF1 = validationF1
    }

    /// Checks the file against the model's classes; one sentence naming `source` when it does
    /// not fit.
    public func validate(classes expected: [String], source: String) throws {
        guard classes == expected, perClass.count == expected.count else {
            throw EvaluationError(description: "\(source): its thresholds are for other classes than the checkpoint's")
        }
        guard global.isFinite, perClass.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }) else {
            throw EvaluationError(description: "\(source): its thresholds must lie in [0, 1]")
        }
    }
}
