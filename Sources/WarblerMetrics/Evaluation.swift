// Everything `warbler evaluate` reports, computed from the tables of EvaluationTables.swift:
// row-wise micro F1, per-label precision/recall/F1 (nocall included, as the challenge counts
// it), mAP and padded cmAP when scores are given, and event F1 when events are given.
import Foundation

public struct LabelReport: Codable, Sendable, Equatable {
    public var label: String
    public var precision: Double, recall: Double, f1: Double
    public var support: Int
    /// Average precision of the label's scores, when scores were given and it has a positive.
    public var averagePrecision: Double?
}

public struct EventReport: Codable, Sendable, Equatable {
    public var onsetTolerance: Double
    public var truthEvents: Int, predictedEvents: Int, matched: Int
    public var precision: Double, recall: Double, f1: Double
}

public struct EvaluationReport: Codable, Sendable {
    public var rows: Int
    public var rowWiseMicroF1: Double
    /// The threshold that turned scores into labels (nil when the predictions were labels).
    public var threshold: Float?
    public var meanAveragePrecision: Double?
    public var paddedCMAP: Double?
    public var labels: [LabelReport]
    public var events: EventReport?
    /// Prediction rows with no truth row (ignored).
    public var unmatchedPredictionRows: Int
}

public struct EvaluationError: Error, CustomStringConvertible, LocalizedError {
    public let description: String
    public var errorDescription: String? { description }
}

public enum Evaluation {
    /// Scores `predictions` against `truth` row by row (every truth row needs a prediction).
    /// Scores become labels at `threshold(class)`.
    public static func segments(
        truth: SegmentLabels, predictions: SegmentPredictions, predictionsPath: String,
        threshold: @escaping (String) -> Float, reportedThreshold: Float?
    ) throws -> EvaluationReport {
        let predicted: SegmentLabels
        var scores: SegmentScores?
        switch predictions {
        case .labels(let l): predicted = l
        case .scores(let s): scores = s; predicted = s.labels(threshold: threshold)
        }
        let missing = truth.rowIDs.filter { predicted.labels[$0] == nil }
        if let first = missing.first {
            throw EvaluationError(
                description: "\(predictionsPath): no prediction for row '\(first)'"
                    + (missing.count > 1 ? " and \(missing.count - 1) more truth rows" : ""))
        }
        let t = truth.rowIDs.map { truth.labels[$0]! }
        let p = truth.rowIDs.map { predicted.labels[$0]! }
        let counts = ClassCounts.perLabel(truth: t, predicted: p)
        var ap: [String: Double] = [:]
        var mAP: Double?, cmAP: Double?
        if let scores {
            // A class of the truth with no score column would silently drop out of mAP.
            let scored = Set(scores.classes)
            if let absent = Set(t.flatMap { $0 }).subtracting(scored).sorted().first {
                throw EvaluationError(description: "\(predictionsPath): no score column for class '\(absent)', which the truth labels")
            }
            let rows = truth.rowIDs.map { scores.scores[$0]! }
            let truthTable = t.map { labels in scores.classes.map { labels.contains($0) } }
            let macro = AveragePrecision.macro(scores: rows, truth: truthTable)
            for (c, v) in zip(scores.classes, macro.perClass) { if let v { ap[c] = v } }
            mAP = macro.mean
            cmAP = AveragePrecision.paddedCMAP(scores: rows, truth: truthTable)
        }
        let labels = counts.keys.sorted().map { label -> LabelReport in
            let c = counts[label]!
            return LabelReport(
                label: label, precision: c.precision, recall: c.recall, f1: c.f1, support: c.support,
                averagePrecision: ap[label])
        }
        let truthIDs = Set(truth.rowIDs)
        return EvaluationReport(
            rows: t.count, rowWiseMicroF1: RowWiseF1.score(truth: t, predicted: p),
            threshold: scores == nil ? nil : reportedThreshold, meanAveragePrecision: mAP, paddedCMAP: cmAP,
            labels: labels, events: nil,
            unmatchedPredictionRows: predicted.rowIDs.filter { !truthIDs.contains($0) }.count)
    }

    public static func events(truth: [SoundEvent], predicted: [SoundEvent], onsetTolerance: Double) -> EventReport {
        let c = EventF1.counts(truth: truth, predicted: predicted, onsetTolerance: onsetTolerance)
        return EventReport(
            onsetTolerance: onsetTolerance, truthEvents: truth.count, predictedEvents: predicted.count,
            matched: c.truePositives, precision: c.precision, recall: c.recall, f1: c.f1)
    }
}
