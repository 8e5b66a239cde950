// Event-based F1: a predicted event is a hit when a true event of the same recording and label
// starts within `onsetTolerance` seconds of it; each true event can be matched once. Matching
// is greedy by onset distance (closest pairs first), which is optimal for a single tolerance
// window per pair in practice and deterministic (ties broken by input order).
import Foundation

public struct SoundEvent: Sendable, Equatable, Codable {
    /// The recording the event is in (file name or stem).
    public var recording: String
    public var label: String
    /// Seconds from the start of the recording.
    public var onset: Double
    public var offset: Double

    public init(recording: String, label: String, onset: Double, offset: Double) {
        self.recording = recording
        self.label = label
        self.onset = onset
        self.offset = offset
    }
}

public enum EventF1 {
    /// Matches `predicted` to `truth` and returns the counts (TP = matched pairs).
    public static func counts(truth: [SoundEvent], predicted: [SoundEvent], onsetTolerance: Double) -> ClassCounts {
        var pairs: [(distance: Double, t: Int, p: Int)] = []
        var truthByKey: [String: [Int]] = [:]
        for (i, e) in truth.enumerated() { truthByKey[e.recording + "\u{0}" + e.label, default: []].append(i) }
        for (j, e) in predicted.enumerated() {
            for i in truthByKey[e.recording + "\u{0}" + e.label] ?? [] {
                let d = Swift.abs(truth[i].onset - e.onset)
                if d <= onsetTolerance { pairs.append((d, i, j)) }
            }
        }
        pairs.sort { ($0.distance, $0.t, $0.p) < ($1.distance, $1.t, $1.p) }
        var usedT = Set<Int>(), usedP = Set<Int>()
        for pair in pairs where !usedT.contains(pair.t) && !usedP.contains(pair.p) {
            usedT.insert(pair.t)
            usedP.insert(pair.p)
        }
        let tp = usedT.count
        return ClassCounts(truePositives: tp, falsePositives: predicted.count - tp, falseNegatives: truth.count - tp)
    }
}
