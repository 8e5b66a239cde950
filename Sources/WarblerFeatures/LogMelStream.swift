// The front-end over audio that arrives in pieces (a long recording read chunk by chunk):
// frames come out as soon as the samples they cover have arrived, and the frames of the whole
// stream equal those of `FrontEnd.compute` on the concatenated signal, bit for bit.
import Foundation

/// Frames out of audio that arrives in pieces: the CPU's LogMelStream or the GPU's
/// CUDALogMelStream. The `into` forms reuse the caller's spectrogram storage.
public protocol MelStream: AnyObject {
    /// Adds samples; `out` becomes the frames that became complete (perhaps none).
    func append(_ samples: UnsafeBufferPointer<Float>, into out: inout Spectrogram) throws
    /// Ends the stream; `out` becomes the remaining frames.
    func finish(into out: inout Spectrogram) throws
    var framesEmitted: Int { get }
    /// Whether pieces of a few thousand samples are efficient (the stream gathers them into
    /// larger computations itself); otherwise callers should append chunks of seconds.
    var gathersSmallPieces: Bool { get }
}

extension MelStream {
    public var gathersSmallPieces: Bool { false }
}

public final class LogMelStream: MelStream {
    public let frontEnd: FrontEnd
    public let stage: FrontEndStage
    /// Samples kept from absolute index `bufferStart` on.
    private var buffer: [Float] = []
    private var bufferStart = 0
    public private(set) var samplesReceived = 0
    public private(set) var framesEmitted = 0
    private var finished = false

    /// `stage: .output` gives the configured output except top_db, which needs the maximum of
    /// the whole recording: apply it afterwards (the CLI does so in a second pass over its file).
    /// Frames are held back until at least this many are ready (all come out at `finish`), so
    /// that small pieces of audio still make computations large enough to share among threads.
    public let minimumFrames: Int

    public var gathersSmallPieces: Bool { minimumFrames >= 256 }

    public init(frontEnd: FrontEnd, stage: FrontEndStage = .output, minimumFrames: Int = 1) {
        self.frontEnd = frontEnd
        self.stage = stage
        self.minimumFrames = max(1, minimumFrames)
    }

    /// Adds samples and returns the frames that became complete.
    public func append(_ samples: UnsafeBufferPointer<Float>) -> Spectrogram {
        var out = empty()
        append(samples, into: &out)
        return out
    }

    public func append(_ samples: [Float]) -> Spectrogram {
        samples.withUnsafeBufferPointer { append($0) }
    }

    public func append(_ samples: UnsafeBufferPointer<Float>, into out: inout Spectrogram) {
        precondition(!finished, "LogMelStream.append after finish()")
        buffer.append(contentsOf: samples)
        samplesReceived += samples.count
        let c = frontEnd.config
        let pad = frontEnd.padding
        // Reflect padding at the start mirrors samples 1...pad, so wait for them.
        var ready: Int
        if c.center && c.padMode == .reflect && samplesReceived <= pad {
            ready = framesEmitted
        } else {
            let reach = samplesReceived + pad - c.nFFT
            ready = reach >= 0 ? reach / c.hopLength + 1 : 0
        }
        if ready - framesEmitted < minimumFrames { ready = framesEmitted }
        emit(upTo: ready, total: samplesReceived, into: &out)
    }

    /// Ends the stream and returns the remaining frames (those that reach into the end padding).
    public func finish() throws -> Spectrogram {
        var out = empty()
        try finish(into: &out)
        return out
    }

    public func finish(into out: inout Spectrogram) throws {
        precondition(!finished, "LogMelStream.finish called twice")
        finished = true
        try frontEnd.checkLength(samplesReceived)
        emit(upTo: frontEnd.frameCount(sampleCount: samplesReceived), total: samplesReceived, into: &out)
    }

    private func empty() -> Spectrogram { Spectrogram(frameCount: 0, binCount: frontEnd.binCount(at: stage)) }

    private func emit(upTo end: Int, total: Int, into out: inout Spectrogram) {
        let n = max(0, end - framesEmitted)
        out.resize(frameCount: n, binCount: frontEnd.binCount(at: stage))
        guard n > 0 else { return }
        buffer.withUnsafeBufferPointer { b in
            out.values.withUnsafeMutableBufferPointer { o in
                let view = SignalView(base: b.baseAddress!, start: bufferStart, count: b.count, total: total)
                frontEnd.run(view, frames: framesEmitted..<end, stage: stage, into: o.baseAddress!)
            }
        }
        framesEmitted = end
        trim()
    }

    /// Drops samples no future frame can need: everything before the next frame's first
    /// sample, keeping the last nFFT + 1 samples for the mirror at the end.
    private func trim() {
        let c = frontEnd.config
        let nextFirst = framesEmitted * c.hopLength - frontEnd.padding
        let keepFrom = max(0, min(nextFirst, samplesReceived - c.nFFT - 1))
        let drop = keepFrom - bufferStart
        if drop > 0 && drop >= buffer.count / 2 {
            buffer.removeFirst(drop)
            bufferStart = keepFrom
        }
    }
}
