// EventDecoder's rule fed one frame at a time, so a recording of any length is decoded with
// constant memory: per class, a run of frames at or above the offset threshold that reaches
// the onset threshold is an event (its onset is where the run began); it closes at the first
// frame below the offset threshold; closed events closer than `mergeGap` are joined; events
// shorter than `minimumDuration` are dropped. Gives what EventDecoder.events gives on the
// whole array (tested against it).
import Foundation

public struct StreamingEventTracker {
    public let rule: EventRule
    public let frameRate: Double
    let onThresholds: [Float]
    /// Per class: start of the current run of frames >= off (nil outside one), whether that run
    /// reached the onset threshold, and its peak.
    private var runStart: [Int?]
    private var runActive: [Bool]
    private var runPeak: [Float]
    /// Per class: the last closed event, held back in case the next one merges with it.
    private var pending: [(first: Int, end: Int, peak: Float)?]
    public private(set) var framesSeen = 0

    public init(classes: Int, onThresholds: [Float], frameRate: Double, rule: EventRule) {
        precondition(onThresholds.count == classes, "StreamingEventTracker: \(onThresholds.count) thresholds for \(classes) classes")
        self.rule = rule
        self.frameRate = frameRate
        self.onThresholds = onThresholds
        runStart = Array(repeating: nil, count: classes)
        runActive = Array(repeating: false, count: classes)
        runPeak = Array(repeating: 0, count: classes)
        pending = Array(repeating: nil, count: classes)
    }

    /// Feeds the next frame's scores (one per class); returns events that can no longer change,
    /// as (class, first frame, end frame, peak).
    public mutating func push(_ scores: [Float]) -> [(classIndex: Int, first: Int, end: Int, peak: Float)] {
        var out: [(Int, Int, Int, Float)] = []
        let f = framesSeen
        for k in scores.indices {
            let s = scores[k], on = onThresholds[k], off = on * rule.offRatio
            if s >= off {
                if runStart[k] == nil { (runStart[k], runActive[k], runPeak[k]) = (f, false, s) }
                runPeak[k] = max(runPeak[k], s)
                if s >= on { runActive[k] = true }
            } else if let start = runStart[k] {
                if runActive[k] { close(k, start, f, runPeak[k], into: &out) }
                runStart[k] = nil
            }
            // A pending event is final once the merge gap has passed and no run that began
            // within the gap is still open (it could yet become an event and merge).
            if let p = pending[k], Double(f + 1 - p.end) / frameRate >= rule.mergeGap,
                runStart[k].map({ Double($0 - p.end) / frameRate >= rule.mergeGap }) ?? true
            {
                emit(k, p, into: &out)
                pending[k] = nil
            }
        }
        framesSeen += 1
        return out
    }

    /// Events of `push`/`finish` results as detections of `recording`, times in seconds.
    public func events(_ found: [(classIndex: Int, first: Int, end: Int, peak: Float)], recording: String, labels: [String]) -> [DetectedEvent] {
        found.map { e in
            DetectedEvent(
                recording: recording, label: labels[e.classIndex],
                onset: Double(e.first) / frameRate, offset: Double(e.end) / frameRate, confidence: e.peak)
        }
    }

    /// Ends the stream: closes open events and returns everything still held.
    public mutating func finish() -> [(classIndex: Int, first: Int, end: Int, peak: Float)] {
        var out: [(Int, Int, Int, Float)] = []
        for k in runStart.indices {
            if let start = runStart[k], runActive[k] { close(k, start, framesSeen, runPeak[k], into: &out) }
            runStart[k] = nil
            if let p = pending[k] { emit(k, p, into: &out) }
            pending[k] = nil
        }
        return out
    }

    private mutating func close(_ k: Int, _ first: Int, _ end: Int, _ peak: Float, into out: inout [(Int, Int, Int, Float)]) {
        if let p = pending[k], Double(first - p.end) / frameRate < rule.mergeGap {
            pending[k] = (p.first, end, max(p.peak, peak))
        } else {
            if let p = pending[k] { emit(k, p, into: &out) }
            pending[k] = (first, end, peak)
        }
    }

    private func emit(_ k: Int, _ e: (first: Int, end: Int, peak: Float), into out: inout [(Int, Int, Int, Float)]) {
        if Double(e.end - e.first) / frameRate >= rule.minimumDuration { out.append((k, e.first, e.end, e.peak)) }
    }
}
