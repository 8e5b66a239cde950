// `warbler evaluate`: scores predictions against ground truth with the challenge's metrics
// (WarblerMetrics): row-wise micro F1 over 5-s rows, per-label precision/recall/F1, mAP and
// padded cmAP from class scores, and event F1 with an onset tolerance.
import ArgumentParser
import Foundation
import WarblerCommandLine
import WarblerIO
import WarblerMetrics

struct EvaluateCommand: WarblerCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score predictions against ground truth (Cornell row-wise micro F1, mAP, event F1).",
        discussion: """
            Segment files are CSV: the truth as `row_id,birds` (labels space-separated, or nocall); \
            the predictions either the same (a Cornell submission) or `row_id` plus one column of \
            probabilities per class (then --threshold turns them into labels and mAP/cmAP are \
            reported). Event files are CSV `recording,label,onset,offset` in seconds.
            """)

    @Option(help: "Ground-truth segment labels (row_id,birds).")
    var truth: String?
    @Option(help: "Predicted segment labels (row_id,birds) or scores (row_id,<class>...).")
    var pred: String?
    @Option(help: "Score threshold for turning class scores into labels.")
    var threshold: Float = 0.5
    @Option(help: "Ground-truth events (recording,label,onset,offset).")
    var truthEvents: String?
    @Option(help: "Predicted events (recording,label,onset,offset).")
    var predEvents: String?
    @Option(help: "Seconds a predicted onset may be from the true one and still match.")
    var onsetTolerance: Double = 0.5
    @Option(help: "Also write the full report as JSON to this file.")
    var json: String?

    func validate() throws {
        guard (truth == nil) == (pred == nil) else { throw ValidationError("--truth and --pred go together.") }
        guard (truthEvents == nil) == (predEvents == nil) else { throw ValidationError("--truth-events and --pred-events go together.") }
        guard truth != nil || truthEvents != nil else {
            throw ValidationError("Give --truth and --pred (segments), --truth-events and --pred-events, or both.")
        }
        guard threshold > 0 && threshold <= 1 else { throw ValidationError("--threshold must be in (0, 1], not \(threshold).") }
        guard onsetTolerance >= 0 else { throw ValidationError("--onset-tolerance must not be negative, not \(onsetTolerance).") }
    }

    func execute() throws {
        // The report's folder is made (or refused) before the tables are read.
        if let json { try OutputFolder.prepareParent(of: json, option: "--json") }
        var report: EvaluationReport?
        if let truth, let pred {
            let t = try EvaluationTables.readLabels(truth)
            let p = try EvaluationTables.readPredictions(pred)
            let limit = threshold
            report = try Evaluation.segments(
                truth: t, predictions: p, predictionsPath: pred,
                threshold: { _ in limit }, reportedThreshold: limit)
        }
        var events: EventReport?
        if let truthEvents, let predEvents {
            events = Evaluation.events(
                truth: try EvaluationTables.readEvents(truthEvents, allowNoRows: false),
                predicted: try EvaluationTables.readEvents(predEvents), onsetTolerance: onsetTolerance)
        }
        print(Self.text(report, events), terminator: "")
        if let json {
            struct Output: Encodable { let segments: EvaluationReport?; let events: EventReport? }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(Output(segments: report, events: events)), to: json)
        }
    }

    static func text(_ report: EvaluationReport?, _ events: EventReport?) -> String {
        var s = ""
        func f(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "-" }
        if let r = report {
            s += "rows: \(r.rows)" + (r.unmatchedPredictionRows > 0 ? " (\(r.unmatchedPredictionRows) prediction rows without truth ignored)" : "") + "\n"
            s += "row-wise micro F1: \(f(r.rowWiseMicroF1))" + (r.threshold.map { " (threshold \($0))" } ?? "") + "\n"
            if r.meanAveragePrecision != nil || r.paddedCMAP != nil {
                s += "mAP (classes with a positive): \(f(r.meanAveragePrecision))   padded cmAP: \(f(r.paddedCMAP))\n"
            }
            let width = max(5, r.labels.map(\.label.count).max() ?? 5)
            s += "\n" + "label".padding(toLength: width, withPad: " ", startingAt: 0) + "  precision  recall      F1  support      AP\n"
            for l in r.labels {
                s +=
                    l.label.padding(toLength: width, withPad: " ", startingAt: 0)
                    + String(format: "  %9.4f  %6.4f  %6.4f  %7d  ", l.precision, l.recall, l.f1, l.support)
                    + (l.averagePrecision.map { String(format: "%6.4f", $0) } ?? "     -") + "\n"
            }
        }
        if let e = events {
            if report != nil { s += "\n" }
            s +=
                "events (onset within \(e.onsetTolerance) s): \(e.matched) of \(e.truthEvents) true and \(e.predictedEvents) predicted matched; "
                + "precision \(f(e.precision)), recall \(f(e.recall)), F1 \(f(e.f1))\n"
        }
        return s
    }
}
