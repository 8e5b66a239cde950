// Long recordings in bounded memory: decode, downmix and resample block by block and hand out
// fixed-size chunks of mono audio at the target rate. Concatenated, the chunks equal what
// `AudioLoader.load` returns for the whole file (which is built on this stream).
import Foundation

/// How audio is brought to the model's input: target rate and resampling quality.
public struct AudioConfig: Sendable, Codable, Equatable {
    /// Target sample rate, Hz; `nil` keeps each file's native rate.
    public var sampleRate: Int?
    public var quality: ResampleQuality

    public init(sampleRate: Int? = 32_000, quality: ResampleQuality = .high) {
        self.sampleRate = sampleRate
        self.quality = quality
    }
}

/// Reads a file as consecutive chunks of `chunkSize` mono samples at the target rate
/// (the last chunk may be shorter). Channels are averaged as librosa's `to_mono` does,
/// and the total length is librosa's `ceil(frames * target / native)`.
public final class AudioStream {
    public let info: AudioFileInfo
    public let sampleRate: Int
    public let chunkSize: Int
    /// Decodes the file on a background thread, unless it is read in place (`mapped`).
    private let decoder: DecodeAhead?
    /// A 16-bit PCM mono WAV at the target rate, lent in place to `lendsPCM16` streams.
    private let mapped: MappedPCM16?
    private let resampler: Resampler?
    private let blockFrames: Int
    private var mono: [Float] = []
    private var pending: [Float] = []
    private var pendingStart = 0
    private var inputFrames = 0
    private var emitted = 0
    private var finished = false

    /// `blockSamples`: how many samples (frames x channels) the decoder reads per block, about
    /// 256 KB by default; consumers that read blocks in place (`withNextBlock`) may want more.
    /// `lendsPCM16`: `withNextPiece` lends the blocks of a 16-bit PCM mono file at the target
    /// rate as the file's integers (no float copy of the audio is made); a plain WAV's are
    /// lent where the kernel caches the file (`MappedPCM16`), without a decoder thread.
    public init(
        path: String, config: AudioConfig = AudioConfig(), chunkSize: Int = 320_000, blockSamples: Int = 65_536, lendsPCM16: Bool = false
    ) throws {
        precondition(chunkSize > 0, "AudioStream: chunkSize must be positive")
        precondition(blockSamples > 0, "AudioStream: blockSamples must be positive")
        if let sr = config.sampleRate, !SoundFile.sampleRateRange.contains(sr) {
            throw AudioError(
                .invalidOption, path: path,
                "the target sample rate must be \(SoundFile.sampleRateRange.lowerBound) to \(SoundFile.sampleRateRange.upperBound) Hz, not \(sr).")
        }
        let file = try SoundFile(path: path)
        info = file.info
        sampleRate = config.sampleRate ?? info.sampleRate
        self.chunkSize = chunkSize
        // `blockSamples` interleaved samples per block, however many channels the header states.
        blockFrames = max(256, blockSamples / max(1, info.channels))
        resampler =
            sampleRate == info.sampleRate
            ? nil
            : try Resampler(inputRate: Double(info.sampleRate), outputRate: Double(sampleRate), quality: config.quality)
        pending.reserveCapacity(chunkSize + blockFrames * 2)
        let lendsIntegers = lendsPCM16 && info.channels == 1 && resampler == nil
        if lendsIntegers, let inPlace = MappedPCM16(file: file) {
            mapped = inPlace
            decoder = nil
            file.close()
        } else {
            mapped = nil
            // About 1 MB decoded ahead (four blocks of the default size, at least two):
            // enough to keep the consumer fed, and few buffers to fault in.
            decoder = DecodeAhead(
                file: file, blockFrames: blockFrames, capacity: max(2, (1 << 18) / (blockFrames * max(1, info.channels))),
                pcm16: lendsIntegers)
        }
    }

    /// The decoder thread holds its own reference until it ends, so stop it explicitly:
    /// otherwise a stream dropped part-way would leave it blocked on a full queue, file open.
    deinit { decoder?.cancel() }

    /// Samples handed out so far.
    public var samplesEmitted: Int { emitted }

    /// Whether the file is read in place rather than decoded (a 16-bit PCM mono WAV at the
    /// target rate, opened with `lendsPCM16`).
    public var readsInPlace: Bool { mapped != nil }

    /// The next chunk, or nil at the end of the file.
    public func nextChunk() throws -> [Float]? {
        try withNextChunk { Array($0) }
    }

    /// Lends the next chunk to `body` without copying it (the buffer is valid only inside
    /// `body`) and returns what `body` returns, or nil at the end of the file.
    public func withNextChunk<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) throws -> R? {
        while pending.count - pendingStart < chunkSize && !finished {
            try decodeBlock()
        }
        let available = pending.count - pendingStart
        if available == 0 { return nil }
        let n = min(chunkSize, available)
        let result = try pending.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[pendingStart..<pendingStart + n])) }
        pendingStart += n
        emitted += n
        // Move the rest (less than a decoded block) to the front after every chunk, so the
        // buffer stays within its reserved capacity and is never reallocated.
        pending.removeFirst(pendingStart)
        pendingStart = 0
        return result
    }

    /// Reads every remaining chunk into one array.
    public func readAll() throws -> [Float] {
        var all: [Float] = []
        // The header's length is a hint only (an estimate for MP3, a claim for a damaged file):
        // reserve at most 16 M samples up front, and let real content grow the array beyond.
        if info.frames > 0 {
            let expected = Double(info.frames) * Double(sampleRate) / Double(info.sampleRate)
            all.reserveCapacity(Int(min(expected, Double(1 << 24))) + 1024)
        }
        while try withNextChunk({ all.append(contentsOf: $0) }) != nil {}
        return all
    }

    /// Lends the next piece of audio to `body`, as it comes from the decoder (a block of the
    /// file, downmixed and resampled; sizes vary), and returns what `body` returns, or nil at
    /// the end. A mono file at the target rate is lent straight from the decoded block, without
    /// a copy. The buffer is valid only inside `body`.
    public func withNextBlock<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) throws -> R? {
        try withNextPiece { piece in
            switch piece {
            case .float(let samples):
                return try body(samples)
            case .pcm16(let integers):
                if mono.count < integers.count { mono = [Float](repeating: 0, count: integers.count) }
                let n = integers.count
                return try mono.withUnsafeMutableBufferPointer { m in
                    SoundFile.convertPCM16(integers.baseAddress!, count: n, into: m.baseAddress!)
                    return try body(UnsafeBufferPointer(rebasing: m[0..<n]))
                }
            }
        }
    }

    /// As `withNextBlock`, but a stream opened with `lendsPCM16` lends a 16-bit PCM mono file
    /// at the target rate as the file's integers (`.pcm16`; sample = value x
    /// `SoundFile.pcm16Scale`), and everything else as floats.
    public func withNextPiece<R>(_ body: (AudioPiece) throws -> R) throws -> R? {
        if let mapped, pending.count == pendingStart, !finished {
            var lent = 0
            let result = try mapped.withNext(maxFrames: blockFrames) { integers in
                lent = integers.count
                return try body(.pcm16(integers))
            }
            guard lent > 0, let result else {
                finishStream()
                return nil
            }
            inputFrames += lent
            emitted += lent
            return result
        }
        while pending.count == pendingStart {
            if finished { return nil }
            guard let block = try fetchBlock() else { continue }
            if info.channels == 1 && resampler == nil {
                defer { decoder?.recycle(block) }
                emitted += block.frames
                if block.isPCM16 {
                    return try block.pcm16.withUnsafeBufferPointer { try body(.pcm16(UnsafeBufferPointer(rebasing: $0[0..<block.frames]))) }
                }
                return try block.samples.withUnsafeBufferPointer { try body(.float(UnsafeBufferPointer(rebasing: $0[0..<block.frames]))) }
            }
            absorb(block)
        }
        let n = pending.count - pendingStart
        let result = try pending.withUnsafeBufferPointer { try body(.float(UnsafeBufferPointer(rebasing: $0[pendingStart..<pendingStart + n]))) }
        emitted += n
        pending.removeAll(keepingCapacity: true)
        pendingStart = 0
        return result
    }

    private func decodeBlock() throws {
        if let block = try fetchBlock() { absorb(block) }
    }

    /// The next decoded block, checked, or nil at the end of the file (the stream is then
    /// finished: the resampler's tail is in `pending`).
    private func fetchBlock() throws -> DecodeAhead.Block? {
        let next: DecodeAhead.Block?
        if let mapped {
            // Only `withNextPiece` reads a mapped file in place; the other readers take a copy.
            next = try mapped.withNext(maxFrames: blockFrames) { DecodeAhead.Block(samples: [], pcm16: Array($0), frames: $0.count, firstBad: nil) }
        } else {
            next = try decoder?.next()
        }
        guard let block = next else {
            finishStream()
            return nil
        }
        let n = block.frames
        if let bad = block.firstBad {
            let at = String(format: "%.3f", Double(inputFrames + bad / info.channels) / Double(info.sampleRate))
            let v = block.samples[bad]
            throw AudioError(
                .corrupt, path: info.path,
                v.isFinite
                    ? "the audio contains samples of absurd size (\(v) at \(at) s; beyond ±\(Self.maxMagnitude) no recording is audio, and its power would overflow)."
                    : "the audio contains NaN or infinite samples (the first at \(at) s).")
        }
        inputFrames += n
        return block
    }

    /// Downmixes and resamples a block onto `pending`, and gives its buffer back.
    private func absorb(_ block: DecodeAhead.Block) {
        let n = block.frames
        let source: [Float]
        if block.isPCM16 {
            // Only mono files at the target rate decode as integers (see init).
            pending.append(contentsOf: block.pcm16[0..<n].lazy.map(SoundFile.float(fromPCM16:)))
            decoder?.recycle(block)
            return
        } else if info.channels == 1 {
            source = block.samples
        } else {
            DecodeAhead.downmix(block.samples, frames: n, channels: info.channels, into: &mono)
            source = mono
        }
        if let r = resampler {
            source.withUnsafeBufferPointer { r.process(UnsafeBufferPointer(rebasing: $0[0..<n]), into: &pending) }
        } else {
            pending.append(contentsOf: source[0..<n])
        }
        decoder?.recycle(block)
    }

    /// The largest sample magnitude accepted (float files may hold anything; 1e12 keeps every
    /// power the front-end computes, about (n_fft x 1e12)^2, inside Float's range).
    public static let maxMagnitude: Float = 1e12

    /// The index of the first NaN, infinite or absurdly large (beyond ±`maxMagnitude`) value
    /// among the first `count`, if any.
    static func firstNonFinite(_ samples: [Float], count: Int) -> Int? {
        samples.withUnsafeBufferPointer { p in
            // One pass over the bit patterns without the sign: NaN and infinities have the largest
            // (exponent all ones), and for finite values the order of the patterns is the order
            // of the magnitudes. An integer maximum vectorises (a float one must keep its order).
            let limit = maxMagnitude.bitPattern
            let worst = p.withMemoryRebound(to: UInt32.self) { bits -> UInt32 in
                var worst: UInt32 = 0
                for i in 0..<count { worst = Swift.max(worst, bits[i] & 0x7fff_ffff) }
                return worst
            }
            if worst <= limit { return nil }
            return (0..<count).first { !p[$0].isFinite || Swift.abs(p[$0]) > maxMagnitude }
        }
    }

    /// Flushes the resampler and fixes the length to librosa's `ceil(frames * ratio)`
    /// (trimming the filter's tail or padding with zeros).
    private func finishStream() {
        finished = true
        guard let r = resampler else { return }
        r.flush(into: &pending)
        let target = Resampler.outputCount(inputCount: inputFrames, inputRate: r.inputRate, outputRate: r.outputRate)
        let total = emitted + (pending.count - pendingStart)
        if total > target {
            pending.removeLast(total - target)
        } else if total < target {
            pending.append(contentsOf: repeatElement(0, count: target - total))
        }
    }
}

/// A piece of audio lent by `AudioStream.withNextPiece`: float samples, or a 16-bit PCM file's
/// integers (sample = value x `SoundFile.pcm16Scale`).
public enum AudioPiece {
    case float(UnsafeBufferPointer<Float>)
    case pcm16(UnsafeBufferPointer<Int16>)
}

/// A whole recording in memory at one rate.
public struct AudioClip: Sendable {
    public var samples: [Float]
    public var sampleRate: Int
    public var duration: Double { Double(samples.count) / Double(sampleRate) }

    public init(samples: [Float], sampleRate: Int) {
        self.samples = samples
        self.sampleRate = sampleRate
    }
}

public enum AudioLoader {
    /// Decodes, downmixes and resamples a whole file: the equivalent of
    /// `librosa.load(path, sr=config.sampleRate, mono=True, res_type="soxr_hq")`.
    public static func load(_ path: String, config: AudioConfig = AudioConfig()) throws -> AudioClip {
        let stream = try AudioStream(path: path, config: config, chunkSize: 1 << 20)
        let samples = try stream.readAll()
        return AudioClip(samples: samples, sampleRate: stream.sampleRate)
    }
}
