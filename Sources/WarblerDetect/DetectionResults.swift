// What detection produces for each recording: the class scores of every window and the events
// decoded from framewise scores; and the Cornell rows derived from them.
import Foundation
import WarblerMetrics

/// Class probabilities of one analysis window.
public struct WindowScores: Codable, Sendable, Equatable {
    /// Seconds from the start of the recording.
    public var start: Double
    public var end: Double
    /// Clipwise probabilities, one per class (the run's class order).
    public var scores: [Float]

    public init(start: Double, end: Double, scores: [Float]) {
        self.start = start
        self.end = end
        self.scores = scores
    }
}

/// Everything found in one recording.
public struct RecordingResult: Codable, Sendable, Equatable {
    /// The recording's id (row ids and tables use it): its path relative to the inputs'
    /// common folder without the extension (AudioInputs.recordingIDs), or the file's stem.
    public var recording: String
    public var path: String
    /// Seconds.
    public var duration: Double
    public var windows: [WindowScores]
    public var events: [DetectedEvent]
    /// The framewise scores, kept to decode events again under other thresholds; not part of
    /// the JSON (the journal keeps them in a binary file beside the entry).
    public var frameScores: FrameScores?

    enum CodingKeys: String, CodingKey { case recording, path, duration, windows, events }

    /// The same result under another id (a journalled result reused in a run whose inputs
    /// have another common folder).
    public func renamed(_ id: String) -> RecordingResult {
        var r = self
        r.recording = id
        for i in r.events.indices { r.events[i].recording = id }
        return r
    }

    /// The same result with its events decoded again from the kept frame scores under
    /// `policy` and `rule`; nil when the scores were not kept or not low enough.
    public func relabelled(policy: LabelPolicy, rule: EventRule) -> RecordingResult? {
        guard let events = frameScores?.events(recording: recording, policy: policy, rule: rule) else { return nil }
        var r = self
        r.events = events
        return r
    }

    public init(recording: String, path: String, duration: Double, windows: [WindowScores], events: [DetectedEvent]) {
        self.recording = recording
        self.path = path
        self.duration = duration
        self.windows = windows
        self.events = events
    }
}

/// The classes of a run and how scores become labels.
public struct LabelPolicy: Codable, Sendable, Equatable {
    public var classes: [String]
    /// One threshold per class (a global threshold repeated, or the training run's per-class ones).
    public var thresholds: [Float]
    /// Keep at most this many labels per row, the highest first (nil: no limit).
    public var topK: Int?

    public init(classes: [String], thresholds: [Float], topK: Int? = nil) {
        precondition(classes.count == thresholds.count, "LabelPolicy: \(classes.count) classes, \(thresholds.count) thresholds")
        self.classes = classes
        self.thresholds = thresholds
        self.topK = topK
    }

    /// The labels whose score passes its threshold, highest first, at most topK.
    public func labels(_ scores: [Float]) -> [String] {
        var passing = scores.indices.filter { scores[$0] >= thresholds[$0] }
        passing.sort { (scores[$0], classes[$1]) > (scores[$1], classes[$0]) }
        if let topK { passing = Array(passing.prefix(topK)) }
        return passing.map { classes[$0] }
    }
}

public enum CornellRows {
    /// Row length, seconds.
    public static let rowSeconds = 5.0

    /// One row per 5-s segment [e - 5, e) of the recording (the last one may be partial), id
    /// `<recording>_<e>`. A row's score for a class is the highest score of the windows that
    /// cover at least half of it, or else of the windows that overlap it at all.
    public static func rows(_ r: RecordingResult, classes: Int) -> [(rowID: String, scores: [Float])] {
        let count = max(1, Int((r.duration / rowSeconds - 1e-9).rounded(.up)))
        // Windows come in time order (starts and ends ascending), so each row looks only at the
        // few that can overlap it: linear in the recording's length, not quadratic.
        var first = 0
        return (0..<count).map { i in
            let lo = Double(i) * rowSeconds, hi = min(Double(i + 1) * rowSeconds, max(r.duration, lo + 1e-9))
            func overlap(_ w: WindowScores) -> Double { min(w.end, hi) - max(w.start, lo) }
            while first < r.windows.count && r.windows[first].end <= lo { first += 1 }
            var last = first
            while last < r.windows.count && r.windows[last].start < hi { last += 1 }
            let near = r.windows[first..<last]
            var covering = near.filter { overlap($0) >= (hi - lo) / 2 - 1e-9 }
            if covering.isEmpty { covering = near.filter { overlap($0) > 0 } }
            var s = [Float](repeating: 0, count: classes)
            for w in covering { for k in 0..<classes { s[k] = max(s[k], w.scores[k]) } }
            return ("\(r.recording)_\(Int((Double(i + 1) * rowSeconds).rounded()))", s)
        }
    }

    /// `row_id,birds` rows: the labels passing the policy, space-separated, or nocall.
    public static func submission(_ results: [RecordingResult], policy: LabelPolicy) -> [[String]] {
        submission(results.flatMap { rows($0, classes: policy.classes.count) }, policy: policy)
    }

    /// `row_id,birds` rows from rows already made by `rows(_:classes:)`.
    public static func submission(_ rows: [(rowID: String, scores: [Float])], policy: LabelPolicy) -> [[String]] {
        rows.map { row in
            let labels = policy.labels(row.scores)
            return [row.rowID, labels.isEmpty ? RowWiseF1.nocall : labels.joined(separator: " ")]
        }
    }
}
