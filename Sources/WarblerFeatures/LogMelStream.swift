// The front-end over audio that arrives in pieces (a long recording read chunk by chunk):
// frames come out as soon as the samples they cover have arrived, and the frames of the whole
// stream equal those of `FrontEnd.compute` on the concatenated signal, bit for bit.
import Foundation

public final class LogMelStream {
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
    public init(frontEnd: FrontEnd, stage: FrontEndStage = .output) {
        self.frontEnd = frontEnd
        self.stage = stage
    }

    /// Adds samples and returns the frames that became complete.
    public func append(_ samples: UnsafeBufferPointer<Float>) -> Spectrogram {
        precondition(!finished, "LogMelStream.append after finish()")
        buffer.append(contentsOf: samples)
        samplesReceived += samples.count
        let c = frontEnd.config
        let pad = frontEnd.padding
        // Reflect padding at the start mirrors samples 1...pad, so wait for them.
        if c.center && c.padMode == .reflect && samplesReceived <= pad { return empty() }
        let reach = samplesReceived + pad - c.nFFT
        let ready = reach >= 0 ? reach / c.hopLength + 1 : 0
        return emit(upTo: ready, total: samplesReceived)
    }

    public func append(_ samples: [Float]) -> Spectrogram {
        samples.withUnsafeBufferPointer { append($0) }
    }

    /// Ends the stream and returns the remaining frames (those that reach into the end padding).
    public func finish() throws -> Spectrogram {
        precondition(!finished, "LogMelStream.finish called twice")
        finished = true
        try frontEnd.checkLength(samplesReceived)
        return emit(upTo: frontEnd.frameCount(sampleCount: samplesReceived), total: samplesReceived)
    }

    private func empty() -> Spectrogram { Spectrogram(frameCount: 0, binCount: frontEnd.binCount(at: stage)) }

    private func emit(upTo end: Int, total: Int) -> Spectrogram {
        let n = end - framesEmitted
        guard n > 0 else { return empty() }
        var out = Spectrogram(frameCount: n, binCount: frontEnd.binCount(at: stage))
        buffer.withUnsafeBufferPointer { b in
            out.values.withUnsafeMutableBufferPointer { o in
                let view = SignalView(base: b.baseAddress!, start: bufferStart, count: b.count, total: total)
                frontEnd.run(view, frames: framesEmitted..<end, stage: stage, into: o.baseAddress!)
            }
        }
        framesEmitted = end
        trim()
        return out
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
