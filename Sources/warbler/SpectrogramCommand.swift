// `warbler spectrogram IN... [--out OUT.npy] [--png OUT.png]`: log-mel spectrograms streamed
// from any recording, written as float32 .npy [n_mels, frames] and/or a PNG picture.
import ArgumentParser
import Foundation
import WarblerCommandLine
import WarblerAudio
import WarblerCUDA
import WarblerFeatures
import WarblerIO
import WarblerPlot

struct SpectrogramCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spectrogram",
        abstract: "Compute log-mel spectrograms (.npy [n_mels, frames] float32, and/or PNG).",
        discussion: """
            Audio is streamed: a recording of any length is processed in bounded memory. \
            The .npy is Fortran-ordered so it can be written frame by frame; numpy.load \
            returns shape [n_mels, frames] like librosa.feature.melspectrogram.
            """)

    @Argument(help: "Audio files (WAV, FLAC, OGG, Opus, MP3, ...).")
    var inputs: [String]

    @Option(help: "Output .npy (one input only).")
    var out: String?

    @Option(help: "Output PNG picture (one input only).")
    var png: String?

    @Option(name: .customLong("out-dir"), help: "Folder for <name>.npy and <name>.png of every input (made if missing).")
    var outDir: String?

    @Flag(name: .customLong("no-png"), help: "With --out-dir, write only the .npy files.")
    var noPNG: Bool = false

    @OptionGroup var audio: AudioOptions
    @OptionGroup var frontEnd: FrontEndOptions
    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        if inputs.count > 1 && (out != nil || png != nil) {
            throw ValidationError("--out and --png name one file: with \(inputs.count) inputs, use --out-dir.")
        }
        if out == nil && png == nil && outDir == nil {
            throw ValidationError("nothing to write: give --out OUT.npy, --png OUT.png or --out-dir DIR.")
        }
        if let o = out, !o.lowercased().hasSuffix(".npy") { throw ValidationError("--out must end in .npy (got \(o)).") }
        if let p = png, !p.lowercased().hasSuffix(".png") { throw ValidationError("--png must end in .png (got \(p)).") }
        if outDir != nil {
            let stems = inputs.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
            if let clash = Dictionary(grouping: stems, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
                throw ValidationError("several inputs are named '\(clash)': their outputs in --out-dir would overwrite each other.")
            }
        }
        _ = try frontEnd.validated(sampleRate: audio.sampleRate)
    }

    func run() throws {
        runOptions.apply()
        let config = try frontEnd.validated(sampleRate: audio.sampleRate)
        let fe = try FrontEnd(config: config, threads: runOptions.threadCount)
        // Output folders are made (or refused) before any work.
        if let outDir { try OutputFolder.prepare(outDir, option: "--out-dir") }
        if let out { try OutputFolder.prepareParent(of: out, option: "--out") }
        if let png { try OutputFolder.prepareParent(of: png, option: "--png") }
        var gpu: CUDAFrontEnd?
        if case .cuda(let i) = deviceOptions.parsed {
            do { gpu = try CUDAFrontEnd(config: config, device: i) } catch {
                printError("--device \(deviceOptions.device): \(describe(error))")
                throw ExitCode(1)
            }
        }
        Interruption.install()
        var failed = 0, done = 0
        let progress = BatchProgress(label: "spectrogram", files: inputs, enabled: !runOptions.quiet,
                                     duration: { (try? AudioFileInfo(path: $0))?.duration })
        for input in inputs {
            if Interruption.requested {
                progress.finish()
                throw Interruption.stop("stopping after \(done) of \(inputs.count) inputs; run again for the rest")
            }
            let stem = URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent
            let npyPath = out ?? outDir.map { "\($0)/\(stem).npy" }
            let pngPath = png ?? (noPNG ? nil : outDir.map { "\($0)/\(stem).png" })
            do {
                let started = Date()
                let result = try SpectrogramJob(input: input, frontEnd: fe, gpu: gpu, audio: audio.config,
                                                npyPath: npyPath, pngPath: pngPath,
                                                progress: { progress.update(input, secondsDone: $0) }).run()
                progress.fileDone(input)
                let outputs = [npyPath, pngPath].compactMap { $0 }.joined(separator: ", ")
                if !runOptions.quiet { print("\(input): \(config.nMels) x \(result.frames) log-mel (\(formatDuration(result.seconds)) of audio) -> \(outputs) in \(String(format: "%.2f", Date().timeIntervalSince(started))) s") }
                done += 1
            } catch is Interrupted {
                // The job discarded its temporary files; nothing of this input was written.
                progress.finish()
                throw Interruption.stop("stopping in \(input) (its outputs not written) after \(done) of \(inputs.count) inputs; run again for the rest")
            } catch {
                failed += 1
                progress.fileDone(input)
                printError(describe(error, file: input))
            }
        }
        if failed > 0 {
            // One input: its own line said it all.
            if inputs.count > 1 { throw BatchFailure(failed: failed, total: inputs.count) }
            throw ExitCode(ExitStatus.failure)
        }
    }
}

/// Frames out of a stream of audio pieces: the CPU's LogMelStream or the GPU's CUDALogMelStream.
protocol MelStream: AnyObject {
    func append(_ samples: [Float]) throws -> Spectrogram
    func finish() throws -> Spectrogram
    var framesEmitted: Int { get }
}
extension LogMelStream: MelStream {}
extension CUDALogMelStream: MelStream {}

/// One input's spectrogram: stream audio through the front-end into the writers.
struct SpectrogramJob {
    let input: String
    let frontEnd: FrontEnd
    /// The GPU front-end to compute with instead of the CPU (same configuration).
    var gpu: CUDAFrontEnd? = nil
    let audio: AudioConfig
    let npyPath: String?
    let pngPath: String?
    /// Told the seconds of audio done so far, after each chunk.
    var progress: (Double) -> Void = { _ in }

    /// Picture width the frames are max-pooled down to (so a 24-hour file makes a sane PNG).
    static let pictureColumns = 1600

    func run() throws -> (frames: Int, seconds: Double) {
        let c = frontEnd.config
        let stream = try AudioStream(path: input, config: audio, chunkSize: 10 * c.sampleRate)
        let melStream: MelStream = gpu.map { CUDALogMelStream(frontEnd: $0) } ?? LogMelStream(frontEnd: frontEnd)
        // A log-mel is remade by rerunning the command: atomic rename, no fsync (docs/frontend.md).
        let writer = try npyPath.map { try NPYColumnWriter(path: $0, rows: c.nMels, durable: false) }
        let info = stream.info
        // For the picture's pooling and the progress line only: the header's length is a hint.
        let expectedSamples = min(Double(info.frames) * Double(c.sampleRate) / Double(info.sampleRate), Double(Int32.max))
        let expectedFrames = max(1, frontEnd.frameCount(sampleCount: Int(expectedSamples)))
        var pooled = MaxPooledColumns(rows: c.nMels, factor: max(1, (expectedFrames + Self.pictureColumns - 1) / Self.pictureColumns))
        var maximum = -Float.infinity
        let secondsPerFrame = Double(c.hopLength) / Double(c.sampleRate)

        func consume(_ s: Spectrogram) throws {
            guard s.frameCount > 0 else { return }
            try s.values.withUnsafeBufferPointer { try writer?.append(columnMajor: $0) }
            if pngPath != nil { pooled.add(s.values) }
            if c.topDB != nil { maximum = max(maximum, s.values.max() ?? maximum) }
            progress(Double(melStream.framesEmitted) * secondsPerFrame)
        }
        do {
            while let chunk = try stream.nextChunk() {
                if Interruption.requested { throw Interrupted() }
                try consume(melStream.append(chunk))
            }
            try consume(melStream.finish())
            if let top = c.topDB, c.decibels {
                let floor = maximum - top
                try writer?.transformInPlace { if $0 < floor { $0 = floor } }
                pooled.clamp(below: floor)
            }
            if let pngPath {
                var figure = SpectrogramFigure(values: pooled.all, frames: pooled.columns, bins: c.nMels,
                                               secondsPerFrame: Double(c.hopLength * pooled.factor) / Double(c.sampleRate),
                                               binFrequencies: frontEnd.filterbank.centerFrequencies)
                figure.title = URL(fileURLWithPath: input).lastPathComponent
                figure.unit = c.decibels ? "dB" : ""
                try figure.render().writePNG(to: pngPath)
            }
            try writer?.finish()
        } catch {
            writer?.discard()
            throw error
        }
        return (melStream.framesEmitted, Double(stream.samplesEmitted) / Double(c.sampleRate))
    }
}

/// Frames max-pooled in groups of `factor` into columns, for pictures of long recordings.
struct MaxPooledColumns {
    let rows: Int
    let factor: Int
    private(set) var values: [Float] = []
    private var partial: [Float]
    private var inPartial = 0

    init(rows: Int, factor: Int) {
        self.rows = rows
        self.factor = factor
        partial = [Float](repeating: -.infinity, count: rows)
    }

    var columns: Int { values.count / rows + (inPartial > 0 ? 1 : 0) }

    /// Adds frame-major frames.
    mutating func add(_ frames: [Float]) {
        var i = 0
        while i < frames.count {
            for r in 0..<rows { partial[r] = max(partial[r], frames[i + r]) }
            i += rows
            inPartial += 1
            if inPartial == factor { flushPartial() }
        }
    }

    private mutating func flushPartial() {
        values.append(contentsOf: partial)
        for r in 0..<rows { partial[r] = -.infinity }
        inPartial = 0
    }

    mutating func clamp(below floor: Float) {
        if inPartial > 0 { flushPartial() }
        for i in values.indices where values[i] < floor { values[i] = floor }
    }

    /// All columns including a partly filled last one.
    var all: [Float] { inPartial > 0 ? values + partial : values }
}
