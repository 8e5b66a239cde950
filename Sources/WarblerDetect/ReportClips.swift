// The report's audio: a short 16-bit WAV clip around each detection, written beside the report
// page so a copied report folder still plays. Clips are cut from one streaming pass over the
// recording at the model's sample rate; their total length per recording is bounded (highest
// scores first), so an hour-long recording with thousands of detections stays a sensible size.
import Foundation
import WarblerAudio

/// How the report cuts audio clips around detections.
public struct ReportClipPolicy: Sendable, Equatable {
    /// Seconds of context before the onset and after the (capped) offset.
    public var padding: Double = 0.5
    /// The longest stretch of one detection a clip covers (longer detections are cut after this).
    public var maxDetectionSeconds: Double = 8
    /// Total seconds of clips per recording; detections beyond it, lowest scores first, get none.
    public var budgetSeconds: Double = 600

    public init() {}
}

/// Which detections get a clip, and where each clip starts and ends.
public struct ReportClipPlan: Sendable, Equatable {
    public struct Clip: Sendable, Equatable {
        /// Index of the detection in the recording's event list.
        public var event: Int
        /// Seconds from the start of the recording.
        public var start: Double
        public var end: Double
    }

    /// Clips in event order; events without a clip are missing.
    public var clips: [Clip]

    init(clips: [Clip]) { self.clips = clips }

    /// Chooses clips for `events` of a recording `duration` seconds long.
    public init(events: [DetectedEvent], duration: Double, policy: ReportClipPolicy) {
        var chosen: [Clip] = []
        var total = 0.0
        // Several species detected over the same span share one clip, and its cost.
        var spans = Set<[Double]>()
        // Highest scores first, ties by time, so the budget keeps the detections most worth hearing.
        let order = events.indices.sorted {
            events[$0].confidence != events[$1].confidence
                ? events[$0].confidence > events[$1].confidence : events[$0].onset < events[$1].onset
        }
        for i in order {
            let e = events[i]
            let start = max(0, e.onset - policy.padding)
            let end = min(max(duration, 0), min(e.offset, e.onset + policy.maxDetectionSeconds) + policy.padding)
            guard end > start else { continue }
            if !spans.contains([start, end]) {
                guard total + (end - start) <= policy.budgetSeconds else { continue }
                total += end - start
                spans.insert([start, end])
            }
            chosen.append(Clip(event: i, start: start, end: end))
        }
        clips = chosen.sorted { $0.event < $1.event }
    }

    /// Total seconds of audio the clips hold (a span shared by several detections once).
    public var totalSeconds: Double { unique.reduce(0) { $0 + $1.end - $1.start } }

    /// One clip per distinct span, the first detection's, in event order.
    public var unique: [Clip] {
        var seen = Set<[Double]>()
        return clips.filter { seen.insert([$0.start, $0.end]).inserted }
    }
}

enum ReportClipWriter {
    /// Decodes `path` once at `sampleRate` and writes each distinct span of `plan` to
    /// `fileName(clip)` in `dir`. Returns the clips written, one per span (a clip past the real end of the audio is shortened;
    /// one with no samples left is dropped).
    static func write(
        _ plan: ReportClipPlan, audio path: String, sampleRate: Int, to dir: String,
        fileName: (ReportClipPlan.Clip) -> String
    ) throws -> [ReportClipPlan.Clip] {
        guard !plan.clips.isEmpty else { return [] }
        let plan = ReportClipPlan(clips: plan.unique)
        let stream = try AudioStream(path: path, config: AudioConfig(sampleRate: sampleRate))
        let rate = Double(sampleRate)
        let byStart = plan.clips.sorted { $0.start < $1.start }
        let bounds = byStart.map { (Int(($0.start * rate).rounded(.down)), Int(($0.end * rate).rounded(.up))) }
        var next = 0
        var active: [Int: [Float]] = [:]
        var written: [ReportClipPlan.Clip] = []
        var position = 0
        func finish(_ k: Int, _ samples: [Float]) throws {
            guard !samples.isEmpty else { return }
            let clip = byStart[k]
            try AudioWriter.write(samples, sampleRate: sampleRate, to: dir + "/" + fileName(clip))
            var shown = clip
            shown.end = clip.start + Double(samples.count) / rate
            written.append(shown)
        }
        while let chunk = try stream.nextChunk() {
            let chunkEnd = position + chunk.count
            while next < bounds.count && bounds[next].0 < chunkEnd { active[next] = []; next += 1 }
            for k in active.keys.sorted() {
                let (s, e) = bounds[k]
                let from = max(s, position), to = min(e, chunkEnd)
                if to > from { active[k]!.append(contentsOf: chunk[(from - position)..<(to - position)]) }
                if e <= chunkEnd { try finish(k, active.removeValue(forKey: k)!) }
            }
            position = chunkEnd
            if next >= bounds.count && active.isEmpty { break }
        }
        for k in active.keys.sorted() { try finish(k, active[k]!) }
        return written.sorted { $0.event < $1.event }
    }
}
