// The `warbler` command: one subcommand per task, sharing option groups (Options.swift). Every
// error ends here (`Warbler.exit(reporting:)`): one line `warbler: FILE: cause` on standard
// error and the documented exit status (ExitStatus.swift, docs/cli.md).
import ArgumentParser
import Foundation
import WarblerCUDA
import WarblerIO

@main
struct Warbler: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warbler",
        abstract: "Find bird calls in audio recordings with deep learning.",
        discussion: """
            Warbler reads WAV, FLAC, OGG Vorbis, Opus and MP3 at any rate and channel count, \
            and computes librosa-exact log-mel spectrograms (the seed's front-end: 32 kHz, \
            1024-point FFT, hop 320, 128 mels, 50-14000 Hz, dB).

            Errors are one line on standard error, `warbler: FILE: cause` (or `warbler: cause`). \
            Exit status: \(ExitStatus.summary) \
            Long commands (detect, train, spectrogram, predict) take --quiet and --threads N; \
            their progress is a bar on a terminal, else a line every 10 s \
            (WARBLER_PROGRESS_SECONDS changes that). See docs/cli.md.
            """,
        version: WarblerVersion.string,
        subcommands: [InfoCommand.self, SpectrogramCommand.self, SynthCommand.self, EvaluateCommand.self,
                      TrainCommand.self, DetectCommand.self, MergeCommand.self,
                      ModelCommand.self, PredictCommand.self, DevicesCommand.self, BenchCommand.self])

    /// ArgumentParser's usage errors start like ours (its default is "Error: ").
    static var _errorPrefix: String { "warbler: " }

    /// Registers the CUDA backend (nothing is loaded until a CUDA device is asked for), so that
    /// `Backends.backend(for: .cuda(i))` works in every command; then runs the command line.
    static func main() {
        ThreadPolicy.applyShortOpenMPSpin()
        lineBufferStandardOutput()
        CUDABackend.register()
        do {
            var command = try parseAsRoot(nil)
            try command.run()
        } catch {
            exit(reporting: error)
        }
    }

    /// The one place a command's error becomes output and an exit status: help and version go to
    /// standard output (0); a usage error gets ArgumentParser's message and usage hint (64); an
    /// `ExitCode` was reported by the command already; anything else is one line,
    /// `warbler: FILE: cause`, and exit 1.
    static func exit(reporting error: Error) -> Never {
        if let code = error as? ExitCode { Foundation.exit(code.rawValue) }
        let parserCode = exitCode(for: error)
        if parserCode == .success || parserCode == .validationFailure { exit(withError: error) }
        printError(describe(error))
        Foundation.exit(ExitStatus.failure)
    }
}

/// Prints one line to standard error (`warbler: ` and the message), clearing a progress bar first.
func printError(_ message: String) {
    ProgressLine.clearBar()
    FileHandle.standardError.write(Data(("warbler: " + message + "\n").utf8))
}

/// The error text for any thrown error: our own errors already name the file and the cause;
/// Foundation's file errors become "PATH: plain cause" (not "The operation could not be
/// completed ...").
func describe(_ error: Error) -> String {
    if let text = FileSystemErrors.describe(error) { return text }
    if let e = error as? LocalizedError, let d = e.errorDescription { return d }
    return String(describing: error)
}

/// The error text for a failure while processing `file`, starting with the file's name
/// (a front-end or model error does not know which recording it was working on).
func describe(_ error: Error, file: String) -> String {
    let text = describe(error)
    return text.hasPrefix(file + ":") ? text : "\(file): \(text)"
}

/// Thrown after a batch in which some inputs failed (each already reported).
struct BatchFailure: Error, CustomStringConvertible {
    let failed: Int
    let total: Int
    var description: String { "\(failed) of \(total) input\(total == 1 ? "" : "s") failed." }
}
