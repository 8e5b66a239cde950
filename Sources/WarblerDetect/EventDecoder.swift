// Turning framewise scores into events: per class, a run of frames whose score rises to the
// onset threshold opens an event, which lasts while the score stays at or above the (lower)
// offset threshold (hysteresis, so a call that dips briefly is not cut in two); events closer
// than `mergeGap` are joined, and events shorter than `minimumDuration` are dropped.
import Foundation

/// One detected call.
public struct DetectedEvent: Codable, Sendable, Equatable {
    /// The recording (file stem).
    public var recording: String
    public var label: String
    /// Seconds from the start of the recording.
    public var onset: Double
    public var offset: Double
    /// The highest framewise score inside the event.
    public var confidence: Float

    public init(recording: String, label: String, onset: Double, offset: Double, confidence: Float) {
        self.recording = recording
        self.label = label
        self.onset = onset
        self.offset = offset
        self.confidence = confidence
    }
}

public struct EventRule: Codable, Sendable, Equatable {
    /// Score at which an event opens (per class thresholds replace it when given).
    public var onThreshold: Float = 0.5
    /// The offset threshold as a fraction of the onset one (hysteresis); 1 disables it.
    public var offRatio: Float = 0.6
    /// Events shorter than this are dropped, seconds.
    public var minimumDuration = 0.1
    /// Events separated by less than this are merged, seconds.
    public var mergeGap = 0.25

    public init() {}
}

public enum EventDecoder {
    /// Events of one class from `scores` (one per frame, frame i covering
    /// [start + i / frameRate, start + (i + 1) / frameRate)).
    public static func events(scores: [Float], frameRate: Double, start: Double, onThreshold: Float, rule: EventRule)
        -> [(onset: Double, offset: Double, confidence: Float)]
    {
        let off = onThreshold * rule.offRatio
        var runs: [(first: Int, end: Int, peak: Float)] = []
        var i = 0
        while i < scores.count {
            guard scores[i] >= onThreshold else { i += 1; continue }
            // Walk back over frames above the offset threshold, then forward.
            var first = i
            while first > 0 && scores[first - 1] >= off && (runs.last.map { first - 1 >= $0.end } ?? true) { first -= 1 }
            var end = i
            var peak = scores[i]
            while end < scores.count && scores[end] >= off { peak = max(peak, scores[end]); end += 1 }
            runs.append((first, end, peak))
            i = end
        }
        // Merge runs closer than the gap, then drop short ones.
        var merged: [(first: Int, end: Int, peak: Float)] = []
        for r in runs {
            if let last = merged.last, Double(r.first - last.end) / frameRate < rule.mergeGap {
                merged[merged.count - 1] = (last.first, r.end, max(last.peak, r.peak))
            } else {
                merged.append(r)
            }
        }
        return merged.compactMap { r in
            let onset = start + Double(r.first) / frameRate, offset = start + Double(r.end) / frameRate
            return offset - onset >= rule.minimumDuration ? (onset, offset, r.peak) : nil
        }
    }

    /// Events of every class from framewise scores [frames][classes] of one recording.
    public static func events(
        framewise: [[Float]], classes: [String], recording: String, frameRate: Double,
        start: Double = 0, threshold: (Int) -> Float, rule: EventRule
    ) -> [DetectedEvent] {
        var out: [DetectedEvent] = []
        for (k, label) in classes.enumerated() {
            let column = framewise.map { $0[k] }
            for e in events(scores: column, frameRate: frameRate, start: start, onThreshold: threshold(k), rule: rule) {
                out.append(DetectedEvent(recording: recording, label: label, onset: e.onset, offset: e.offset, confidence: e.confidence))
            }
        }
        return out.sorted { ($0.onset, $0.label) < ($1.onset, $1.label) }
    }
}
