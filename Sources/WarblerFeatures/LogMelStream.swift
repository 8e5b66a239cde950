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
    /// Adds 16-bit PCM samples, each `Float(value) * scale`; the same frames as appending the
    /// converted floats.
    func append(pcm16 samples: UnsafeBufferPointer<Int16>, scale: Float, into out: inout Spectrogram) throws
    /// Whether `append(pcm16:)` reads the integers in place (otherwise it converts them first,
    /// and callers may as well hand over floats).
    var readsPCM16InPlace: Bool { get }
}

extension MelStream {
    public var gathersSmallPieces: Bool { false }
    public var readsPCM16InPlace: Bool { false }

    public func append(pcm16 samples: UnsafeBufferPointer<Int16>, scale: Float, into out: inout Spectrogram) throws {
        let floats = samples.map { Float($0) * scale }
        try floats.withUnsafeBufferPointer { try append($0, into: &out) }
    }
}

/// A piece of audio as floats or as 16-bit integers with their scale.
private enum Piece {
    case float(UnsafeBufferPointer<Float>)
    case pcm16(UnsafeBufferPointer<Int16>, scale: Float)

    var count: Int {
        switch self {
        case .float(let s): return s.count
        case .pcm16(let s, _): return s.count
        }
    }
}

public final class LogMelStream: MelStream {
    public let frontEnd: FrontEnd
    public let stage: FrontEndStage
    /// The samples from absolute index `heldStart` up to `samplesReceived` that later frames may
    /// still need: the tail of the audio so far (about one frame), or every piece since the last
    /// frames came out while they are held back. A piece that completes frames is read in place,
    /// and only its tail is copied here.
    private var held: [Float] = []
    private var heldStart = 0
    public private(set) var samplesReceived = 0
    public private(set) var framesEmitted = 0
    private var finished = false

    /// `stage: .output` gives the configured output except top_db, which needs the maximum of
    /// the whole recording: apply it afterwards (the CLI does so in a second pass over its file).
    /// Frames are held back until at least this many are ready (all come out at `finish`), so
    /// that small pieces of audio still make computations large enough to share among threads;
    /// a piece of at least a quarter of this many frames' samples is computed when it comes.
    public let minimumFrames: Int

    public var gathersSmallPieces: Bool { minimumFrames >= 256 }
    public var readsPCM16InPlace: Bool { true }

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
        append(.float(samples), into: &out)
    }

    public func append(pcm16 samples: UnsafeBufferPointer<Int16>, scale: Float, into out: inout Spectrogram) {
        append(.pcm16(samples, scale: scale), into: &out)
    }

    private func append(_ samples: Piece, into out: inout Spectrogram) {
        precondition(!finished, "LogMelStream.append after finish()")
        let total = samplesReceived + samples.count
        let c = frontEnd.config
        let pad = frontEnd.padding
        // Reflect padding at the start mirrors samples 1...pad, so wait for them.
        var ready: Int
        if c.center && c.padMode == .reflect && total <= pad {
            ready = framesEmitted
        } else {
            let reach = total + pad - c.nFFT
            ready = reach >= 0 ? reach / c.hopLength + 1 : 0
        }
        // A piece that alone completes a quarter of that (a recording's last block) is computed
        // at once rather than copied into `held` for `finish`.
        if ready - framesEmitted < minimumFrames && samples.count < minimumFrames / 4 * c.hopLength { ready = framesEmitted }
        emit(upTo: ready, latest: samples, total: total, into: &out)
        samplesReceived = total
        keepTail(of: samples)
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
        let none = UnsafeBufferPointer<Float>(start: nil, count: 0)
        emit(upTo: frontEnd.frameCount(sampleCount: samplesReceived), latest: .float(none), total: samplesReceived, into: &out)
    }

    private func empty() -> Spectrogram { Spectrogram(frameCount: 0, binCount: frontEnd.binCount(at: stage)) }

    /// Computes frames `framesEmitted..<end` of the signal `held` + `latest` (which ends at `total`).
    private func emit(upTo end: Int, latest: Piece, total: Int, into out: inout Spectrogram) {
        let n = max(0, end - framesEmitted)
        out.resize(frameCount: n, binCount: frontEnd.binCount(at: stage))
        guard n > 0 else { return }
        held.withUnsafeBufferPointer { h in
            out.values.withUnsafeMutableBufferPointer { o in
                let view: SignalView
                switch latest {
                case .float(let p): view = SignalView(held: h, heldStart: heldStart, latest: p, total: total)
                case .pcm16(let p, let scale): view = SignalView(held: h, heldStart: heldStart, latestPCM16: p, scale: scale, total: total)
                }
                frontEnd.run(view, frames: framesEmitted..<end, stage: stage, into: o.baseAddress!)
            }
        }
        framesEmitted = end
    }

    /// Moves into `held` what later frames can need of the audio so far (`held` then the piece
    /// just appended): everything from the next frame's first sample on, and at least the last
    /// nFFT + 1 samples for the mirror at the end.
    private func keepTail(of piece: Piece) {
        let c = frontEnd.config
        let nextFirst = framesEmitted * c.hopLength - frontEnd.padding
        let keepFrom = max(heldStart, min(nextFirst, samplesReceived - c.nFFT - 1))
        let pieceStart = samplesReceived - piece.count
        if keepFrom >= pieceStart {
            // Nothing held is needed any more: keep only the piece's tail.
            held.removeAll(keepingCapacity: true)
            keep(piece, from: keepFrom - pieceStart)
            heldStart = keepFrom
            return
        }
        // Part of `held` is still needed. Drop the rest only once it is at least half of what
        // is held, so that gathering many small pieces moves each sample a bounded number of times.
        let drop = keepFrom - heldStart
        if drop > 0 && drop >= held.count / 2 {
            held.removeFirst(drop)
            heldStart = keepFrom
        }
        keep(piece, from: 0)
    }

    /// Appends the piece's samples from index `start` on to `held`, as floats.
    private func keep(_ piece: Piece, from start: Int) {
        switch piece {
        case .float(let p):
            held.append(contentsOf: UnsafeBufferPointer(rebasing: p[start...]))
        case .pcm16(let p, let scale):
            held.append(contentsOf: p[start...].lazy.map { Float($0) * scale })
        }
    }
}
