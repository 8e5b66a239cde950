// The `warbler` command: one subcommand per task, sharing option groups (Options.swift).
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
            """,
        version: WarblerVersion.string,
        subcommands: [InfoCommand.self, SpectrogramCommand.self, SynthCommand.self, EvaluateCommand.self,
                      TrainCommand.self, DetectCommand.self, MergeCommand.self,
                      ModelCommand.self, PredictCommand.self, DevicesCommand.self, BenchCommand.self])

    /// Registers the CUDA backend (nothing is loaded until a CUDA device is asked for), so that
    /// `Backends.backend(for: .cuda(i))` works in every command; then runs the command line.
    static func main() {
        ThreadPolicy.applyShortOpenMPSpin()
        lineBufferStandardOutput()
        CUDABackend.register()
        main(nil)
    }
}

/// Prints one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data(("warbler: " + message + "\n").utf8))
}

/// The error text for any thrown error: our own errors already name the file and the cause.
func describe(_ error: Error) -> String {
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
