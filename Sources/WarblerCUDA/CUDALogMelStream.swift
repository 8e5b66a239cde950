// The GPU front-end over audio that arrives in pieces (as LogMelStream on the CPU): frames come
// out as soon as the samples they cover have arrived, and the frames of the whole stream equal
// those of the batch CUDAFrontEnd on the concatenated signal. Each emission uploads the samples
// still held (at most one piece plus nFFT) and computes its frames as one segment. top_db is not
// applied (it needs the whole recording's maximum); the CLI applies it afterwards, as for the CPU.
import Foundation
import WarblerFeatures

public final class CUDALogMelStream {
    public let frontEnd: CUDAFrontEnd
    private var buffer: [Float] = []
    private var bufferStart = 0
    public private(set) var samplesReceived = 0
    public private(set) var framesEmitted = 0

    public init(frontEnd: CUDAFrontEnd) { self.frontEnd = frontEnd }

    /// Adds samples and returns the frames that became complete.
    public func append(_ samples: [Float]) throws -> Spectrogram {
        buffer.append(contentsOf: samples)
        samplesReceived += samples.count
        let c = frontEnd.config, pad = frontEnd.padding
        // Reflect padding at the start mirrors samples 1...pad, so wait for them.
        if c.center && c.padMode == .reflect && samplesReceived <= pad { return Spectrogram(frameCount: 0, binCount: c.nMels) }
        let reach = samplesReceived + pad - c.nFFT
        return try emit(upTo: reach >= 0 ? reach / c.hopLength + 1 : 0)
    }

    /// Ends the stream and returns the remaining frames.
    public func finish() throws -> Spectrogram {
        try frontEnd.checkLength(samplesReceived)
        return try emit(upTo: frontEnd.frameCount(sampleCount: samplesReceived))
    }

    private func emit(upTo end: Int) throws -> Spectrogram {
        let n = end - framesEmitted
        let c = frontEnd.config
        guard n > 0 else { return Spectrogram(frameCount: 0, binCount: c.nMels) }
        let device = frontEnd.device
        let signal = try device.allocate(floats: max(1, buffer.count))
        try buffer.withUnsafeBytes { try device.upload($0, to: signal.pointer) }
        let segment = CUDAFrontEnd.Segment(offset: 0, viewStart: bufferStart, total: samplesReceived, firstFrame: framesEmitted, frames: n)
        let out = try frontEnd.download(frontEnd.run(signal, segments: [segment], topDB: false))[0]
        framesEmitted = end
        // Keep what a later frame can need: from the next frame's first sample, and the last
        // nFFT + 1 samples for the mirror at the end.
        let keepFrom = max(0, min(framesEmitted * c.hopLength - frontEnd.padding, samplesReceived - c.nFFT - 1))
        if keepFrom > bufferStart {
            buffer.removeFirst(keepFrom - bufferStart)
            bufferStart = keepFrom
        }
        return out
    }
}
