// Writes a run's results in the formats asked for (OutputFormat.swift lists the files). Every
// file is complete or absent: each goes to a temporary name and is renamed into place.
import Foundation
import WarblerIO

public enum ResultWriters {
    /// Writes `results` (in the order given) into `dir` in every format of `formats`; returns
    /// the paths written.
    @discardableResult
    public static func write(
        _ results: [RecordingResult], policy: LabelPolicy, formats: [OutputFormat], to dir: String,
        run: RunRecord? = nil
    ) throws -> [String] {
        let outcome = try writeEach(results, policy: policy, formats: formats, to: dir, run: run)
        if let first = outcome.failed.first { throw FileError(path: first.path, reason: first.reason) }
        return outcome.written
    }

    /// What `writeEach` wrote and which files it could not write (with the cause).
    public struct Outcome: Sendable {
        public var written: [String] = []
        public var failed: [(path: String, reason: String)] = []
    }

    /// Like `write`, but a file that cannot be written (a full disk) does not stop the others:
    /// every format is attempted and the failures are returned, for the caller to report.
    /// `run`, when given, is the provenance detections.json and detections.sqlite carry.
    public static func writeEach(
        _ results: [RecordingResult], policy: LabelPolicy, formats: [OutputFormat], to dir: String,
        run: RunRecord? = nil
    ) throws -> Outcome {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var outcome = Outcome()
        func put(_ relative: String, _ text: String) {
            let path = dir + "/" + relative
            do {
                try FileManager.default.createDirectory(atPath: PathText.parent(path), withIntermediateDirectories: true)
                try AtomicFile.write(Data(text.utf8), to: path)
                outcome.written.append(path)
            } catch {
                outcome.failed.append((path, (error as? LocalizedError)?.errorDescription ?? "\(error)"))
            }
        }
        // The 5-s rows, computed once for the Cornell and the scores tables.
        let segmentRows =
            formats.contains(.cornell) || formats.contains(.csv)
            ? results.flatMap { CornellRows.rows($0, classes: policy.classes.count) } : []
        for format in formats {
            switch format {
            case .cornell:
                put("cornell.csv", CSV.format(header: ["row_id", "birds"], rows: CornellRows.submission(segmentRows, policy: policy)))
            case .csv:
                let rows = segmentRows.map { [$0.rowID] + $0.scores.map(score) }
                put("scores.csv", CSV.format(header: ["row_id"] + policy.classes, rows: rows))
                let events = results.flatMap { r in r.events.map { [$0.recording, $0.label, time($0.onset), time($0.offset), score($0.confidence)] } }
                put("detections.csv", CSV.format(header: ["recording", "label", "onset", "offset", "confidence"], rows: events))
            case .raven:
                for r in results { put("raven/\(r.recording).selections.txt", raven(r.events, file: nil)) }
                put("raven/all.selections.txt", ravenCombined(results))
            case .audacity:
                for r in results {
                    put(
                        "audacity/\(r.recording).txt",
                        r.events.map { "\(time($0.onset))\t\(time($0.offset))\t\(tabField($0.label)) (\(score($0.confidence)))\n" }.joined())
                }
            case .json:
                struct Run: Encodable {
                    let classes: [String]; let thresholds: [Float]; let topK: Int?; let provenance: Provenance?; let recordings: [RecordingResult]
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                let data = try encoder.encode(
                    Run(
                        classes: policy.classes, thresholds: policy.thresholds, topK: policy.topK,
                        provenance: run.map(Provenance.init), recordings: results))
                put("detections.json", String(decoding: data, as: UTF8.self))
            case .sqlite:
                let path = dir + "/detections.sqlite"
                do {
                    try AtomicFile.checkSimulatedFault(path)
                    try SQLiteResults.write(results, policy: policy, to: path, run: run)
                    outcome.written.append(path)
                } catch {
                    outcome.failed.append((path, (error as? LocalizedError)?.errorDescription ?? "\(error)"))
                }
            }
        }
        return outcome
    }

    /// What detections.json says about the run that made it (run.json has the rest).
    struct Provenance: Encodable {
        let warbler: String, command: [String], checkpoint: String, checkpointSHA256: String, thresholdSource: String, started: String
        let settings: DetectConfig, inputRoot: String
        init(_ r: RunRecord) {
            (warbler, command, checkpoint, checkpointSHA256) = (r.warbler, r.command, r.checkpoint.path, r.checkpoint.sha256)
            (thresholdSource, started, settings, inputRoot) = (r.thresholdSource, r.started, r.settings, r.inputRoot)
        }
    }

    /// A field of a tab-separated table (Raven, Audacity), which has no quoting: tabs, line
    /// breaks and other control characters (a file may be named "a\tb.wav") become spaces so
    /// every row keeps its columns.
    static func tabField(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
    }

    static func time(_ t: Double) -> String { String(format: "%.3f", t) }
    static func score(_ s: Float) -> String { String(format: "%.4f", s) }

    /// A Raven Pro selection table (tab-separated). One recording's events, or, with files,
    /// the combined table with a `Begin File` column.
    static func raven(_ events: [DetectedEvent], file: String?) -> String {
        raven(events.map { ($0, file) })
    }

    /// The table across recordings that Raven Pro opens with its files (issue 13): Raven lays
    /// the files end to end, so `Begin Time (s)` and `End Time (s)` are on that timeline (the
    /// durations of the recordings before, in input order, plus the time in the file), and
    /// `Begin File`, `Begin Path` (absolute) and `File Offset (s)` (the time in the file) say
    /// where each selection is.
    static func ravenCombined(_ results: [RecordingResult]) -> String {
        let header = [
            "Selection", "View", "Channel", "Begin Time (s)", "End Time (s)", "Low Freq (Hz)", "High Freq (Hz)",
            "Begin File", "Begin Path", "File Offset (s)", "Species", "Confidence",
        ]
        var text = header.joined(separator: "\t") + "\n"
        var start = 0.0, n = 0
        for r in results {
            let absolute = URL(fileURLWithPath: r.path).standardizedFileURL.path
            for e in r.events {
                n += 1
                let fields = [
                    String(n), "Spectrogram 1", "1", time(start + e.onset), time(start + e.offset), "50", "14000",
                    tabField((r.path as NSString).lastPathComponent), tabField(absolute), time(e.onset),
                    tabField(e.label), score(e.confidence),
                ]
                text += fields.joined(separator: "\t") + "\n"
            }
            start += r.duration
        }
        return text
    }

    static func raven(_ rows: [(DetectedEvent, String?)]) -> String {
        let combined = rows.contains { $0.1 != nil }
        var header = ["Selection", "View", "Channel", "Begin Time (s)", "End Time (s)", "Low Freq (Hz)", "High Freq (Hz)"]
        if combined { header.append("Begin File") }
        header += ["Species", "Confidence"]
        var text = header.joined(separator: "\t") + "\n"
        for (n, (e, file)) in rows.enumerated() {
            var fields = [String(n + 1), "Spectrogram 1", "1", time(e.onset), time(e.offset), "50", "14000"]
            if combined { fields.append(tabField(file.map { ($0 as NSString).lastPathComponent } ?? e.recording)) }
            fields += [tabField(e.label), score(e.confidence)]
            text += fields.joined(separator: "\t") + "\n"
        }
        return text
    }
}
