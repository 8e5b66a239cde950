// The Cornell Birdcall Identification metric: row-wise micro F1. Each row (a 5-s segment of a
// recording) has a set of true and a set of predicted labels, an empty set written as the label
// `nocall`; the row's score is F1 = 2 TP / (2 TP + FP + FN) over its labels, and the metric is
// the mean over rows (what the challenge's scorer and sklearn's f1_score(average="samples")
// compute). A correct `nocall` counts as one true positive.
import Foundation

public enum RowWiseF1 {
    /// The label that stands for "no bird in this row".
    public static let nocall = "nocall"

    /// `labels`, or {nocall} when it is empty.
    public static func withNocall(_ labels: Set<String>) -> Set<String> {
        labels.isEmpty ? [nocall] : labels
    }

    /// The F1 of one row (both sets as written, `nocall` included where it stands for none).
    public static func rowScore(truth: Set<String>, predicted: Set<String>) -> Double {
        let t = withNocall(truth), p = withNocall(predicted)
        let tp = t.intersection(p).count
        return Double(2 * tp) / Double(2 * tp + (p.count - tp) + (t.count - tp))
    }

    /// The mean row F1 over rows; 0 rows give 0.
    public static func score(truth: [Set<String>], predicted: [Set<String>]) -> Double {
        precondition(truth.count == predicted.count, "RowWiseF1: \(truth.count) truth rows and \(predicted.count) predicted rows")
        guard !truth.isEmpty else { return 0 }
        return zip(truth, predicted).reduce(0) { $0 + rowScore(truth: $1.0, predicted: $1.1) } / Double(truth.count)
    }
}
