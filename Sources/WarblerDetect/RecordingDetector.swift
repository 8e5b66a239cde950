// Detection over one recording of any length with bounded memory: the audio is streamed in
// chunks, cut into windows (5 s by default; a hop shorter than the window makes them overlap;
// the last window is zero-padded to full length), each window turned into a log-mel by the
// front-end, scored in batches, and the framewise scores fed, in time order, to a streaming
// event tracker. Where windows overlap, a frame's score is the highest any window gave it.
// Memory: one window of samples plus a chunk, one batch of spectrograms, and the class scores
// of every window (K floats per window: about 1.4 MB per day of audio for 10 classes).
import Foundation
import WarblerAudio
import WarblerFeatures

public struct DetectConfig: Codable, Sendable, Equatable {
    /// Window length, seconds.
    public var windowSeconds = 5.0
    /// Distance between window starts, seconds (< window: overlap).
    public var hopSeconds = 5.0
    /// Windows scored together.
    public var batchSize = 8
    public var rule = EventRule()
    public var audio = AudioConfig()
    public var frontEnd = FrontEndConfig()

    public init() {}

    public func validate() throws {
        guard windowSeconds > 0, hopSeconds > 0, hopSeconds <= windowSeconds else {
            throw DetectError("the window (\(windowSeconds) s) and hop (\(hopSeconds) s) must be positive, the hop no longer than the window")
        }
        guard batchSize >= 1 else { throw DetectError("the batch size must be at least 1, not \(batchSize)") }
    }
}

public final class RecordingDetector {
    public let scorer: WindowScorer
    public let frontEnd: FrontEnd
    public let config: DetectConfig
    public let policy: LabelPolicy

    public init(scorer: WindowScorer, config: DetectConfig, policy: LabelPolicy) throws {
        try config.validate()
        guard policy.classes == scorer.classes else {
            throw DetectError("the thresholds are for classes \(policy.classes.prefix(5))... but the model has \(scorer.classes.prefix(5))...")
        }
        self.scorer = scorer
        self.config = config
        self.policy = policy
        var fe = config.frontEnd
        fe.sampleRate = config.audio.sampleRate ?? fe.sampleRate
        frontEnd = try FrontEnd(config: fe)
    }

    /// Frames per second of the front-end (100 at 32 kHz with hop 320).
    public var frameRate: Double { Double(frontEnd.config.sampleRate) / Double(frontEnd.config.hopLength) }

    /// Detects in the file at `path`; `progress(seconds done, total seconds)` after each batch.
    /// `picture`, when given, receives the log-mel of the whole recording once, in time order,
    /// a window's first hop of frames at a time (for the report's spectrogram).
    /// `recording` is the id tables use (default: the file's stem; a run over many files passes
    /// `AudioInputs.recordingIDs`). The result keeps the framewise scores (`frameScores`), so
    /// events can be decoded again with other thresholds without the model.
    public func run(
        path: String, recording: String? = nil, progress: (Double, Double) -> Void = { _, _ in },
        picture: ((Spectrogram) -> Void)? = nil
    ) throws -> RecordingResult {
        let stream = try AudioStream(path: path, config: config.audio)
        let sr = stream.sampleRate
        // Seconds (an estimate for MP3 until the end is reached; the result uses what was read).
        let total = Double(stream.info.frames) / Double(stream.info.sampleRate)
        let window = Int((config.windowSeconds * Double(sr)).rounded()), hop = Int((config.hopSeconds * Double(sr)).rounded())
        let hopFrames = Double(hop) / Double(frontEnd.config.hopLength)
        let classes = policy.classes.count
        var tracker = StreamingEventTracker(classes: classes, onThresholds: policy.thresholds, frameRate: frameRate, rule: config.rule)
        var windows: [WindowScores] = []
        var events: [DetectedEvent] = []
        let recording = recording ?? (URL(fileURLWithPath: path).lastPathComponent as NSString).deletingPathExtension
        let floor = min(FrameScores.defaultFloor, policy.thresholds.map { $0 * config.rule.offRatio }.min() ?? FrameScores.defaultFloor)
        var kept = FrameScores.Builder(classes: classes, floor: floor, frameRate: frameRate)

        // Samples from absolute index `bufferStart` on; the next window starts at `nextStart`.
        var buffer: [Float] = [], bufferStart = 0, nextStart = 0
        var batch: [(start: Int, samples: [Float])] = []
        // Framewise maxima not yet final, from global frame `pendingFirst` on.
        var pendingScores: [[Float]] = [], pendingFirst = 0
        var ended = false, received = 0

        func collect(_ found: [(classIndex: Int, first: Int, end: Int, peak: Float)]) {
            events += tracker.events(found, recording: recording, labels: policy.classes)
        }
        /// Pushes the pending frames before global frame `limit` (capped at the recording's end) to the tracker.
        func release(upTo limit: Int) {
            let last = min(limit, Int((Double(received) / Double(frontEnd.config.hopLength)).rounded(.up)))
            let n = max(0, min(last - pendingFirst, pendingScores.count))
            guard n > 0 else { return }
            for frame in pendingScores[0..<n] {
                collect(tracker.push(frame))
                kept.push(frame)
            }
            // One shift per release, not one per frame.
            pendingScores.removeFirst(n)
            pendingFirst += n
        }
        func flush() throws {
            guard !batch.isEmpty else { return }
            let spectrograms = try batch.map { try frontEnd($0.samples) }
            if let picture {
                for (w, spec) in zip(batch, spectrograms) {
                    // Frames from this window's start to the next one's, within the audio.
                    let hopLength = Double(frontEnd.config.hopLength)
                    let first = Int((Double(w.start) / hopLength).rounded())
                    let audioSamples: Double = max(Double(received), total * Double(sr))
                    let audioFrames = Int((audioSamples / hopLength).rounded(.up))
                    let n = max(0, min(spec.frameCount, Int(hopFrames.rounded()), audioFrames - first))
                    if n > 0 { picture(Spectrogram(frameCount: n, binCount: spec.binCount, values: Array(spec.values[0..<n * spec.binCount]))) }
                }
            }
            let predictions = try scorer.score(spectrograms)
            for (w, p) in zip(batch, predictions) {
                let start = Double(w.start) / Double(sr)
                windows.append(WindowScores(start: start, end: min(start + config.windowSeconds, max(total, start)), scores: p.clipwise))
                let firstFrame = Int((Double(w.start) / Double(frontEnd.config.hopLength)).rounded())
                for (i, frame) in p.framewise.enumerated() {
                    let g = firstFrame + i - pendingFirst
                    guard g >= 0 else { continue }
                    while pendingScores.count <= g { pendingScores.append([Float](repeating: 0, count: classes)) }
                    for k in 0..<classes { pendingScores[g][k] = max(pendingScores[g][k], frame[k]) }
                }
                // Frames before the next window's start can no longer change.
                release(upTo: firstFrame + Int(hopFrames.rounded(.down)))
            }
            batch.removeAll(keepingCapacity: true)
            progress(min(total, Double(nextStart) / Double(sr)), total)
        }

        while true {
            if !ended {
                if let chunk = try stream.nextChunk() { buffer += chunk; received += chunk.count } else { ended = true }
            }
            while true {
                let full = nextStart + window <= bufferStart + buffer.count
                // At the end, windows still starting inside the audio (and one for empty audio) are zero-padded.
                let tail = ended && (nextStart < received || (received == 0 && nextStart == 0))
                guard full || tail else { break }
                let from = nextStart - bufferStart
                var samples = Array(buffer[from..<min(buffer.count, from + window)])
                if samples.count < window { samples += [Float](repeating: 0, count: window - samples.count) }
                batch.append((nextStart, samples))
                if batch.count == config.batchSize { try flush() }
                nextStart += hop
            }
            // Drop samples no window will need again.
            let drop = min(buffer.count, nextStart - bufferStart)
            if drop > 0 { buffer.removeFirst(drop); bufferStart += drop }
            if ended { break }
        }
        try flush()
        release(upTo: Int.max)
        collect(tracker.finish())
        events.sort { ($0.onset, $0.label) < ($1.onset, $1.label) }
        var result = RecordingResult(recording: recording, path: path, duration: Double(received) / Double(sr), windows: windows, events: events)
        result.frameScores = kept.finish()
        return result
    }

    /// Only the report's picture of the file at `path` (decoding and the front-end, no model):
    /// for a recording whose scores were reused but whose page must be drawn again.
    public func drawOnly(path: String, recording: String, picture: @escaping (Spectrogram) -> Void) throws {
        let blank = try RecordingDetector(scorer: SilentScorer(classes: policy.classes), config: config, policy: policy)
        _ = try blank.run(path: path, recording: recording, picture: picture)
    }
}

/// Scores every window 0 at once: runs the detector's decoding and front-end without a model.
struct SilentScorer: WindowScorer {
    let classes: [String]
    func score(_ windows: [Spectrogram]) throws -> [WindowPrediction] {
        windows.map { w in
            WindowPrediction(
                clipwise: [Float](repeating: 0, count: classes.count),
                framewise: Array(repeating: [Float](repeating: 0, count: classes.count), count: w.frameCount))
        }
    }
}
