// One recording's log-mel spectrogram, streamed from the file into a float32 .npy
// [n_mels, frames] and/or a PNG picture, in bounded memory (`warbler spectrogram`).
import Foundation
import WarblerAudio
import WarblerFeatures
import WarblerIO
import WarblerPlot

public struct SpectrogramJob {
    public let input: String
    public let frontEnd: FrontEnd
    public let audio: AudioConfig
    public let npyPath: String?
    public let pngPath: String?
    /// Makes the stream that computes the frames; the default is the CPU's (a GPU stream with
    /// the same configuration gives the same frames).
    public var makeStream: (FrontEnd) -> MelStream = { LogMelStream(frontEnd: $0, minimumFrames: 1024) }
    /// Told the seconds of audio done so far, after each chunk.
    public var progress: (Double) -> Void = { _ in }
    /// Asked between chunks; true stops the job with `Stopped` (nothing written).
    public var shouldStop: () -> Bool = { false }

    /// Thrown when `shouldStop` asked for a stop; the job's temporary files are removed.
    public struct Stopped: Error {}

    /// Picture width the frames are max-pooled down to (so a 24-hour file makes a sane PNG).
    public static let pictureColumns = 1600

    public init(input: String, frontEnd: FrontEnd, audio: AudioConfig, npyPath: String?, pngPath: String?) {
        self.input = input
        self.frontEnd = frontEnd
        self.audio = audio
        self.npyPath = npyPath
        self.pngPath = pngPath
    }

    /// Runs the job; returns the frames written and the seconds of audio read.
    public func run() throws -> (frames: Int, seconds: Double) {
        let c = frontEnd.config
        let melStream = makeStream(frontEnd)
        // A stream that gathers pieces itself reads the decoder's blocks in place; blocks of
        // 2^19 samples (16 s of 32 kHz mono) complete more frames than it holds back for, so
        // each block is computed where it was decoded, on all cores, while the next decodes.
        // (2^18 and 2^20 samples were slower on a 5-minute file: docs/benchmarks.md.)
        // A 16-bit file is handed over as its integers, which the stream scales as it reads them:
        // no float copy of the recording is written and read back.
        let stream = try AudioStream(
            path: input, config: audio, chunkSize: 10 * c.sampleRate, blockSamples: melStream.gathersSmallPieces ? 1 << 19 : 65_536,
            lendsPCM16: melStream.gathersSmallPieces && melStream.readsPCM16InPlace)
        // A log-mel is remade by rerunning the command: atomic replace, no fsync (docs/frontend.md).
        let writer = try npyPath.map { try NPYColumnWriter(path: $0, rows: c.nMels, durable: false) }
        let writeBehind = writer.map { WriteBehind(writer: $0) }
        let info = stream.info
        // A file read in place has a length checked against its size: reserve the output's
        // blocks at once (docs/frontend.md, "Output file").
        if stream.readsInPlace { writer?.reserve(columns: frontEnd.frameCount(sampleCount: info.frames)) }
        // For the picture's pooling and the progress line only: the header's length is a hint.
        let expectedSamples = min(Double(info.frames) * Double(c.sampleRate) / Double(info.sampleRate), Double(Int32.max))
        let expectedFrames = max(1, frontEnd.frameCount(sampleCount: Int(expectedSamples)))
        var pooled = MaxPooledColumns(rows: c.nMels, expectedFrames: expectedFrames, maxColumns: Self.pictureColumns)
        var maximum = -Float.infinity
        let secondsPerFrame = Double(c.hopLength) / Double(c.sampleRate)
        // One spectrogram refilled chunk after chunk: no allocation per chunk.
        var frames = Spectrogram(frameCount: 0, binCount: c.nMels)

        func consume() throws {
            guard frames.frameCount > 0 else { return }
            if pngPath != nil { frames.values.withUnsafeBufferPointer { pooled.add($0) } }
            if c.topDB != nil { maximum = max(maximum, frames.values.max() ?? maximum) }
            try writeBehind?.submit(&frames)
            progress(Double(melStream.framesEmitted) * secondsPerFrame)
        }
        do {
            // A stream that gathers small pieces itself takes the decoder's blocks as they come
            // (no copy into chunks; a 16-bit file's integers as they are); others get 10-second
            // chunks.
            func next() throws -> Bool {
                guard melStream.gathersSmallPieces else {
                    return try stream.withNextChunk { try melStream.append($0, into: &frames) } != nil
                }
                return try stream.withNextPiece { piece in
                    switch piece {
                    case .float(let samples): try melStream.append(samples, into: &frames)
                    case .pcm16(let integers): try melStream.append(pcm16: integers, scale: SoundFile.pcm16Scale, into: &frames)
                    }
                } != nil
            }
            while try next() {
                if shouldStop() { throw Stopped() }
                try consume()
            }
            try melStream.finish(into: &frames)
            try consume()
            try writeBehind?.wait()
            if let top = c.topDB, c.decibels {
                let floor = maximum - top
                try writer?.transformInPlace { if $0 < floor { $0 = floor } }
                pooled.clamp(below: floor)
            }
            if let pngPath {
                var figure = SpectrogramFigure(
                    values: pooled.all, frames: pooled.columnCount, bins: c.nMels,
                    secondsPerFrame: Double(c.hopLength * pooled.factor) / Double(c.sampleRate),
                    binFrequencies: frontEnd.filterbank.centerFrequencies)
                figure.title = URL(fileURLWithPath: input).lastPathComponent
                figure.unit = c.decibels ? "dB" : ""
                try figure.render().writePNG(to: pngPath)
            }
            try writer?.finish()
        } catch {
            try? writeBehind?.wait()
            writer?.discard()
            throw error
        }
        return (melStream.framesEmitted, Double(stream.samplesEmitted) / Double(c.sampleRate))
    }
}

/// Appends chunks of frames to a .npy on a background thread while the next chunk is computed;
/// one chunk is in flight at a time, and a write's error comes back at the next call.
private final class WriteBehind: @unchecked Sendable {
    private let writer: NPYColumnWriter
    private let queue = DispatchQueue(label: "warbler.spectrogram.write")
    private let group = DispatchGroup()
    /// Touched by the writing thread only between `submit` and the next `wait`.
    private var inFlight = Spectrogram(frameCount: 0, binCount: 1)
    private var failure: Error?

    init(writer: NPYColumnWriter) { self.writer = writer }

    /// Waits for the previous chunk, then starts writing `frames`, which takes the previous
    /// chunk's storage in exchange (to be refilled by the caller).
    func submit(_ frames: inout Spectrogram) throws {
        try wait()
        swap(&frames, &inFlight)
        group.enter()
        queue.async { [self] in
            defer { group.leave() }
            do {
                try inFlight.values.withUnsafeBufferPointer { try writer.append(columnMajor: $0) }
            } catch {
                failure = error
            }
        }
    }

    /// Waits until nothing is being written; rethrows a write's error.
    func wait() throws {
        group.wait()
        if let failure { throw failure }
    }
}
