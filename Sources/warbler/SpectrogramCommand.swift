// `warbler spectrogram IN... [--out OUT.npy] [--png OUT.png]`: log-mel spectrograms streamed
// from any recording, written as float32 .npy [n_mels, frames] and/or a PNG picture.
import ArgumentParser
import Foundation
import WarblerAudio
import WarblerCommandLine
import WarblerCUDA
import WarblerDetect
import WarblerFeatures
import WarblerIO
import WarblerPlot

struct SpectrogramCommand: LongCommand {
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

    func execute() throws {
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
        let progress = BatchProgress(
            label: "spectrogram", files: inputs, enabled: !runOptions.quiet,
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
                var job = SpectrogramJob(input: input, frontEnd: fe, audio: audio.config, npyPath: npyPath, pngPath: pngPath)
                if let gpu { job.makeStream = { _ in CUDALogMelStream(frontEnd: gpu) } }
                job.progress = { progress.update(input, secondsDone: $0) }
                job.shouldStop = { Interruption.requested }
                let result = try job.run()
                progress.fileDone(input)
                let outputs = [npyPath, pngPath].compactMap { $0 }.joined(separator: ", ")
                if !runOptions.quiet {
                    print(
                        "\(input): \(config.nMels) x \(result.frames) log-mel (\(formatDuration(result.seconds)) of audio) -> \(outputs) in \(String(format: "%.2f", Date().timeIntervalSince(started))) s"
                    )
                }
                done += 1
            } catch is SpectrogramJob.Stopped {
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
