// The log-mel front-end on CPU: frame, window, FFT (FFTW), |X|^p, sparse mel projection and
// power-to-dB, fused per frame and split over cores by blocks of frames.
// Matches librosa.feature.melspectrogram + librosa.power_to_db for the same parameters
// (see FrontEndConfig), with the FFT in float32 instead of librosa's float64.
import Foundation

/// What a front-end computation stops at.
public enum FrontEndStage: Sendable {
    /// |STFT|^power, [frames, nFFT/2 + 1].
    case spectrum
    /// Mel projection of the above, [frames, nMels].
    case mel
    /// The configured output: mel, in dB when `config.decibels` (top_db applied).
    case output
}

public final class FrontEnd: @unchecked Sendable {
    public let config: FrontEndConfig
    public let filterbank: MelFilterbank
    /// The analysis window, zero-padded to nFFT.
    public let window: [Float]
    /// The FFT plan, shared by every front-end of this size; planning starts in `init` on
    /// another thread (FFTW's planner takes about a millisecond the first time in a process), so
    /// it overlaps with whatever the caller does before the first frames, e.g. opening a file.
    var plan: FFTPlan { FFTPlan.shared(size: config.nFFT) }
    /// Worker count for large inputs.
    public var threads: Int
    /// Per-batch buffers given back by finished workers: a stream runs hundreds of blocks, and
    /// fresh buffers for each cost page faults (about a sixth of the spectrogram's).
    private let scratchPool = NSLock()
    private var spareScratch: [FrameScratch] = []

    public init(config: FrontEndConfig = FrontEndConfig(), threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        try config.validate()
        self.config = config
        filterbank = MelFilterbank(config: config)
        window = config.window.padded(length: config.effectiveWinLength, to: config.nFFT)
        FFTPlan.prepare(size: config.nFFT)
        self.threads = max(1, threads)
    }

    deinit { for s in spareScratch { s.free() } }

    private func takeScratch() -> FrameScratch {
        scratchPool.lock()
        defer { scratchPool.unlock() }
        return spareScratch.popLast() ?? FrameScratch(nFFT: config.nFFT, nMels: config.nMels)
    }

    private func giveBack(_ scratch: FrameScratch) {
        scratchPool.lock()
        spareScratch.append(scratch)
        scratchPool.unlock()
    }

    /// Frames produced for a signal of `sampleCount` samples (librosa's and torch.stft's count).
    public func frameCount(sampleCount n: Int) -> Int {
        let padded = n + 2 * padding
        return padded >= config.nFFT ? 1 + (padded - config.nFFT) / config.hopLength : 0
    }

    /// Samples of padding at each end: nFFT/2 (rounded down) when centred, else 0.
    public var padding: Int { config.center ? config.nFFT / 2 : 0 }

    /// Bins per frame at `stage`.
    public func binCount(at stage: FrontEndStage) -> Int {
        stage == .spectrum ? config.binCount : config.nMels
    }

    /// The log-mel spectrogram of one signal, [frames, nMels].
    public func callAsFunction(_ samples: [Float]) throws -> Spectrogram {
        try compute(samples, stage: .output)
    }

    /// The power (or magnitude) spectrogram, [frames, nFFT/2 + 1].
    public func spectrum(_ samples: [Float]) throws -> Spectrogram {
        try compute(samples, stage: .spectrum)
    }

    /// Any stage for one whole signal.
    public func compute(_ samples: [Float], stage: FrontEndStage) throws -> Spectrogram {
        try checkLength(samples.count)
        let frames = frameCount(sampleCount: samples.count)
        var out = Spectrogram(uninitializedFrameCount: frames, binCount: binCount(at: stage))
        samples.withUnsafeBufferPointer { s in
            out.values.withUnsafeMutableBufferPointer { o in
                run(SignalView(whole: s), frames: 0..<frames, stage: stage, into: o.baseAddress!)
            }
        }
        if stage == .output { applyTopDB(&out.values) }
        return out
    }

    /// Log-mel spectrograms of many clips at once. Clips are spread over the workers (each
    /// clip computed by one worker) when there are at least as many clips as workers; a few
    /// long clips are instead each split over the workers by frames. Either way the values
    /// equal those of computing each clip alone.
    public func callAsFunction(batch: [[Float]]) throws -> [Spectrogram] {
        for clip in batch { try checkLength(clip.count) }
        let counts = batch.map { frameCount(sampleCount: $0.count) }
        guard batch.count >= threads, threads > 1 else {
            return try batch.map { try compute($0, stage: .output) }
        }
        let nMels = config.nMels
        var starts = [0]
        for c in counts { starts.append(starts.last! + c * nMels) }
        let offsets = starts
        var storage = [Float](unsafeUninitializedCapacity: offsets.last!) { _, n in n = offsets.last! }
        storage.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let base = out.baseAddress!
            let workers = threads
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for i in stride(from: w, to: batch.count, by: workers) {
                    batch[i].withUnsafeBufferPointer { s in
                        runSerial(SignalView(whole: s), frames: 0..<counts[i], stage: .output, into: base + offsets[i])
                    }
                }
            }
        }
        return (0..<batch.count).map { i in
            var s = Spectrogram(frameCount: counts[i], binCount: nMels, values: Array(storage[offsets[i]..<offsets[i + 1]]))
            applyTopDB(&s.values)
            return s
        }
    }

    func checkLength(_ n: Int) throws {
        if config.center && config.padMode == .reflect && n < 2 && n != 0 {
            throw FrontEndError(option: "pad-mode", reason: "reflect padding needs at least 2 samples, the signal has \(n)")
        }
        if n == 0 { throw FrontEndError(option: "input", reason: "the signal is empty") }
    }

    /// librosa's top_db: raise everything below (max - topDB) to it. Whole-array only.
    func applyTopDB(_ values: inout [Float]) {
        guard config.decibels, let top = config.topDB, let mx = values.max() else { return }
        let floor = mx - top
        for i in values.indices where values[i] < floor { values[i] = floor }
    }

    /// Computes `frames` of the signal seen through `view` into `out` (frame-major rows of
    /// `binCount(at: stage)`), in parallel blocks when the work is large enough.
    func run(_ view: SignalView, frames: Range<Int>, stage: FrontEndStage, into out: UnsafeMutablePointer<Float>) {
        let rowWidth = binCount(at: stage)
        let n = frames.count
        guard n > 0 else { return }
        // One 1024-point frame costs about 2 us; keep blocks at >= 256 frames (~0.5 ms).
        let workers = min(threads, max(1, n / 256))
        if workers == 1 {
            runSerial(view, frames: frames, stage: stage, into: out)
            return
        }
        nonisolated(unsafe) let o = out
        // Four pieces per worker, taken as workers come free: a worker that loses its core for a
        // while (to the decoder or the writer of a stream) does not leave the others waiting.
        let pieces = min(workers * 4, max(workers, n / 64))
        let per = (n + pieces - 1) / pieces
        DispatchQueue.concurrentPerform(iterations: pieces) { w in
            let lo = frames.lowerBound + w * per
            let hi = min(frames.upperBound, lo + per)
            if lo < hi {
                runSerial(view, frames: lo..<hi, stage: stage, into: o + (lo - frames.lowerBound) * rowWidth)
            }
        }
    }

    func runSerial(_ view: SignalView, frames: Range<Int>, stage: FrontEndStage, into out: UnsafeMutablePointer<Float>) {
        let nFFT = config.nFFT
        let bins = config.binCount
        let nMels = config.nMels
        let batch = FFTPlan.batch
        let plan = plan
        let scratch = takeScratch()
        defer { giveBack(scratch) }
        let pad = padding
        // librosa computes the reference term with Python floats (float64).
        let dbOffset = Float(10 * log10(max(Double(config.amin), Double(config.ref))))
        let toDB = stage == .output && config.decibels
        window.withUnsafeBufferPointer { win in
            var t = frames.lowerBound
            while t < frames.upperBound {
                let valid = min(batch, frames.upperBound - t)
                // 1. Window `valid` frames (zeros for the rest of the batch) and transform them.
                for f in 0..<batch {
                    let dst = scratch.frames + f * nFFT
                    if f < valid {
                        view.copyFrame(
                            from: (t + f) * config.hopLength - pad, count: nFFT, padMode: config.padMode,
                            window: win.baseAddress!, into: dst)
                    } else {
                        dst.update(repeating: 0, count: nFFT)
                    }
                }
                let row0 = t - frames.lowerBound
                if stage == .spectrum {
                    plan.powerSpectra(scratch, valid: valid, power: config.power, into: out + row0 * bins, rowStride: bins)
                } else {
                    // 2. |X|^p per frame, transposed to [bin][frame] so the mel projection runs
                    //    SIMD across the batch's frames.
                    plan.powerSpectra(scratch, valid: batch, power: config.power, into: scratch.power, rowStride: bins)
                    FastMath.transpose8Rows(scratch.power, stride: bins, columns: bins, into: scratch.powerT, stride: batch)
                    filterbank.applyBatch(scratch.powerT, into: scratch.melT)
                    // 3. dB on the whole block, then store frame-major rows.
                    if toDB {
                        FastMath.powerToDB(scratch.melT, count: nMels * batch, amin: config.amin, offset: dbOffset)
                    }
                    // A full batch: eight bands (rows of melT) at a time become eight frames'
                    // columns; the bands left over, or a short batch's, one value at a time.
                    let rows = out + row0 * nMels
                    var stored = 0
                    if valid == batch {
                        while stored + 8 <= nMels {
                            FastMath.transpose8x8(scratch.melT + stored * batch, stride: batch, into: rows + stored, stride: nMels)
                            stored += 8
                        }
                    }
                    for f in 0..<valid {
                        for m in stored..<nMels { rows[f &* nMels &+ m] = scratch.melT[m &* batch &+ f] }
                    }
                }
                t += valid
            }
        }
    }

}

/// A window onto a signal of `total` samples, of which the last few are in memory as two
/// consecutive pieces: `held` covers absolute samples [heldStart, latestStart) and `latest`
/// covers [latestStart, total). A stream keeps the tail of earlier audio in `held` and reads
/// the newest piece in place as `latest`, so the piece is never copied; a whole signal is all
/// `latest`. Frames that reach past either end of the signal are padded.
struct SignalView: @unchecked Sendable {
    let held: UnsafePointer<Float>?
    let heldStart: Int
    let latest: UnsafePointer<Float>?
    /// The latest piece as 16-bit PCM integers instead (sample = value x `pcm16Scale`).
    let latestPCM16: UnsafePointer<Int16>?
    let pcm16Scale: Float
    let latestStart: Int
    let total: Int

    /// The whole signal in one piece.
    init(whole: UnsafeBufferPointer<Float>) {
        held = nil
        heldStart = 0
        latest = whole.baseAddress
        latestPCM16 = nil
        pcm16Scale = 1
        latestStart = 0
        total = whole.count
    }

    /// `held` (samples from absolute index `heldStart` on) followed by `latest`, which ends the
    /// signal so far at `total`.
    init(held: UnsafeBufferPointer<Float>, heldStart: Int, latest: UnsafeBufferPointer<Float>, total: Int) {
        precondition(heldStart + held.count + latest.count == total, "SignalView: the pieces do not end at the signal's end")
        self.held = held.baseAddress
        self.heldStart = heldStart
        self.latest = latest.baseAddress
        latestPCM16 = nil
        pcm16Scale = 1
        latestStart = heldStart + held.count
        self.total = total
    }

    /// The same with the latest piece as 16-bit integers, read as `Float(value) * scale`.
    init(held: UnsafeBufferPointer<Float>, heldStart: Int, latestPCM16: UnsafeBufferPointer<Int16>, scale: Float, total: Int) {
        precondition(heldStart + held.count + latestPCM16.count == total, "SignalView: the pieces do not end at the signal's end")
        self.held = held.baseAddress
        self.heldStart = heldStart
        latest = nil
        self.latestPCM16 = latestPCM16.baseAddress
        pcm16Scale = scale
        latestStart = heldStart + held.count
        self.total = total
    }

    /// Absolute sample `j`, which must be in memory.
    @inline(__always)
    func sample(_ j: Int) -> Float {
        if j < latestStart { return held![j - heldStart] }
        if let p = latestPCM16 { return Float(p[j - latestStart]) * pcm16Scale }
        return latest![j - latestStart]
    }

    /// Copies samples [first, first + n) of the padded signal, times the window, into `dst`.
    @inline(__always)
    func copyFrame(from first: Int, count n: Int, padMode: PadMode, window w: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>) {
        if first >= 0 && first + n <= total {
            // Within one piece: straight from it (every frame but those across a piece boundary).
            if first >= latestStart, let p = latestPCM16 {
                // The same two roundings as converting the piece first: (v x scale) x w.
                let src = p + (first - latestStart), scale = pcm16Scale
                for i in 0..<n { dst[i] = (Float(src[i]) * scale) * w[i] }
                return
            }
            let src: UnsafePointer<Float>?
            if first >= latestStart {
                src = latest.map { $0 + (first - latestStart) }
            } else if first + n <= latestStart {
                src = held.map { $0 + (first - heldStart) }
            } else {
                src = nil
            }
            if let src {
                for i in 0..<n { dst[i] = src[i] * w[i] }
                return
            }
        }
        for i in 0..<n {
            let j = first + i
            let v: Float
            if j >= 0 && j < total {
                v = sample(j)
            } else if padMode == .constant {
                v = 0
            } else {
                v = sample(Self.reflect(j, total))
            }
            dst[i] = v * w[i]
        }
    }

    /// numpy 'reflect' index for any j, repeating the mirror as often as needed.
    @inline(__always)
    static func reflect(_ j: Int, _ total: Int) -> Int {
        if total == 1 { return 0 }
        let period = 2 * (total - 1)
        var k = j % period
        if k < 0 { k += period }
        return k < total ? k : period - k
    }
}
