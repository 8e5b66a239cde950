// Average precision per class and its averages, as scikit-learn computes them: AP is the sum
// over distinct score thresholds t, from the highest down, of (R(t) - R(previous t)) * P(t),
// with P and R the precision and recall of "score >= t" (sklearn's average_precision_score,
// which does not interpolate). Macro mAP averages the classes that have a positive; the
// BirdCLEF "padded cmAP" first appends `padding` rows that are positive for every class with
// score 1, so every class counts and a class with few positives cannot swing the average.
import Foundation

public enum AveragePrecision {
    /// AP of `scores` against `positives` (same length); nil when there is no positive.
    /// A NaN score ranks below every other score (all NaNs tie), so a diverged model's NaN
    /// outputs give a low, deterministic AP instead of an unordered sort and an endless loop.
    public static func score(_ scores: [Float], positives: [Bool]) -> Double? {
        precondition(scores.count == positives.count, "AveragePrecision: \(scores.count) scores and \(positives.count) labels")
        let total = positives.reduce(0) { $0 + ($1 ? 1 : 0) }
        guard total > 0 else { return nil }
        let scores = scores.map { $0.isNaN ? -Float.infinity : $0 }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var tp = 0, fp = 0, previousRecall = 0.0, ap = 0.0
        var k = 0
        while k < order.count {
            // Every element tied at this score enters together (one threshold).
            let s = scores[order[k]]
            while k < order.count && scores[order[k]] == s {
                if positives[order[k]] { tp += 1 } else { fp += 1 }
                k += 1
            }
            let recall = Double(tp) / Double(total)
            ap += (recall - previousRecall) * Double(tp) / Double(tp + fp)
            previousRecall = recall
        }
        return ap
    }

    /// Per-class AP of a [rows][classes] score table against a [rows][classes] truth table
    /// (nil for a class with no positive) and their mean over the classes that have one.
    public static func macro(scores: [[Float]], truth: [[Bool]]) -> (mean: Double?, perClass: [Double?]) {
        precondition(scores.count == truth.count, "AveragePrecision: \(scores.count) score rows and \(truth.count) truth rows")
        let classes = scores.first?.count ?? 0
        let perClass: [Double?] = (0..<classes).map { c in
            score(scores.map { $0[c] }, positives: truth.map { $0[c] })
        }
        let present = perClass.compactMap { $0 }
        return (present.isEmpty ? nil : present.reduce(0, +) / Double(present.count), perClass)
    }

    /// BirdCLEF's padded cmAP: macro AP after appending `padding` rows positive for every class
    /// with score 1 (their scorer uses padding 5).
    public static func paddedCMAP(scores: [[Float]], truth: [[Bool]], padding: Int = 5) -> Double? {
        let classes = scores.first?.count ?? 0
        guard classes > 0 else { return nil }
        let padScores = Array(repeating: [Float](repeating: 1, count: classes), count: padding)
        let padTruth = Array(repeating: [Bool](repeating: true, count: classes), count: padding)
        return macro(scores: scores + padScores, truth: truth + padTruth).mean
    }
}
