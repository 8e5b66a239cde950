// Decoding on a background thread, a few blocks ahead of the consumer: libsndfile's FLAC and
// MP3 decoders cost as much as soxr's resampling, so running the two side by side nearly halves
// the time to load a compressed recording. The queue is bounded, so memory stays bounded too.
import Foundation

/// Interleaved blocks decoded ahead of the reader, in order. The decoder thread decodes and
/// checks the samples (the bottleneck for MP3); downmixing happens on the reader's side. Buffers given back with
/// `recycle` are reused, so a long file allocates a handful of blocks in all.
final class DecodeAhead: @unchecked Sendable {
    /// Interleaved samples; `frames` of them are valid.
    struct Block {
        /// The samples as floats (empty for a 16-bit block).
        var samples: [Float]
        /// A 16-bit block's samples as the file's integers, to be scaled by
        /// `SoundFile.pcm16Scale` (empty for a float block).
        var pcm16: [Int16]
        var frames: Int
        /// The index of the first NaN, infinite or absurdly large sample (`AudioStream.firstNonFinite`),
        /// found on the decoder thread; nil when every sample is fine.
        var firstBad: Int?

        var isPCM16: Bool { !pcm16.isEmpty }
    }
    private let condition = NSCondition()
    private var queue: [Block] = []
    private var spare: [[Float]] = []
    /// Whether blocks carry the file's 16-bit integers rather than floats.
    let deliversPCM16: Bool
    private var finished = false
    private var failure: Error?
    private var cancelled = false
    private var running = true
    private let capacity: Int

    /// Starts decoding `file` in blocks of `blockFrames` frames, at most `capacity` blocks ahead.
    /// The owner must call `cancel()` when it stops reading early: the thread keeps this
    /// object alive while it runs.
    /// `pcm16`: deliver a 16-bit PCM file's blocks as its integers (`Block.pcm16`), leaving
    /// the scaling to the consumer; ignored for other files.
    init(file: SoundFile, blockFrames: Int, capacity: Int = 4, pcm16: Bool = false) {
        self.capacity = capacity
        deliversPCM16 = pcm16 && file.readsShorts
        let thread = Thread { [self] in self.decodeLoop(file: file, blockFrames: blockFrames) }
        thread.name = "warbler-decode"
        thread.start()
    }

    /// The next block, nil at the end of the stream; rethrows the decoder's error.
    func next() throws -> Block? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !finished { condition.wait() }
        if !queue.isEmpty {
            let block = queue.removeFirst()
            condition.broadcast()
            return block
        }
        if let failure { throw failure }
        return nil
    }

    /// Hands a block's buffer back for reuse.
    func recycle(_ block: Block) {
        condition.lock()
        if block.isPCM16 {
            // Not reused: the consumer read it on another core, and writing it again made the
            // two cores trade its cache lines; fresh buffers measured faster (docs/benchmarks.md).
        } else if spare.count < capacity {
            spare.append(block.samples)
        }
        condition.unlock()
    }

    /// Stops the decoder and waits until its thread no longer touches the file.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }

    private func decodeLoop(file: SoundFile, blockFrames: Int) {
        let channels = file.info.channels
        defer {
            file.close()
            condition.lock()
            finished = true
            running = false
            condition.broadcast()
            condition.unlock()
        }
        while true {
            condition.lock()
            while queue.count >= capacity && !cancelled { condition.wait() }
            let stop = cancelled
            // Every sample the decoder reports is written before it is read: no need to zero.
            let count = blockFrames * channels
            var samples: [Float] = []
            var pcm16: [Int16] = []
            if deliversPCM16 {
                pcm16 = [Int16](unsafeUninitializedCapacity: count) { _, n in n = count }
            } else {
                samples = spare.popLast() ?? [Float](unsafeUninitializedCapacity: count) { _, n in n = count }
            }
            condition.unlock()
            if stop { return }
            let n: Int
            do {
                if deliversPCM16 {
                    n = try pcm16.withUnsafeMutableBufferPointer { try file.readPCM16(into: $0.baseAddress!, frames: blockFrames) }
                } else {
                    n = try samples.withUnsafeMutableBufferPointer { try file.read(into: $0.baseAddress!, frames: blockFrames) }
                }
            } catch {
                condition.lock()
                failure = error
                condition.unlock()
                return
            }
            if n == 0 { return }
            // 16-bit integers scaled by 1/32768 are all within [-1, 1): nothing to check.
            let firstBad = file.readsShorts ? nil : AudioStream.firstNonFinite(samples, count: n * channels)
            condition.lock()
            queue.append(Block(samples: samples, pcm16: pcm16, frames: n, firstBad: firstBad))
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Averages channels in float32 as numpy's `mean(axis=0)` does: sum in channel order,
    /// then divide by the channel count.
    static func downmix(_ interleaved: [Float], frames n: Int, channels: Int, into mono: inout [Float]) {
        if mono.count < n { mono = [Float](repeating: 0, count: n) }
        mono.withUnsafeMutableBufferPointer { dst in
            let d = dst.baseAddress!
            interleaved.withUnsafeBufferPointer { src in
                let s = src.baseAddress!
                if channels == 2 {
                    for i in 0..<n { d[i] = (s[2 &* i] + s[2 &* i &+ 1]) / 2 }
                } else {
                    let c = Float(channels)
                    for i in 0..<n {
                        var acc = s[i &* channels]
                        for k in 1..<channels { acc += s[i &* channels &+ k] }
                        d[i] = acc / c
                    }
                }
            }
        }
    }
}
