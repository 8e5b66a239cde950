// The `warbler` command: one subcommand per task, sharing option groups (WarblerCommandLine's
// Options.swift). Every error ends in `Warbler.exit(reporting:)` (WarblerCommandLine's
// ErrorReporting.swift): one line `warbler: FILE: cause` on standard error and the documented
// exit status (ExitStatus.swift, docs/cli.md).
import ArgumentParser
import Foundation
import WarblerCommandLine
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
        subcommands: [
            InfoCommand.self, SpectrogramCommand.self, SynthCommand.self, EvaluateCommand.self,
            TrainCommand.self, DetectCommand.self, MergeCommand.self,
            ModelCommand.self, PredictCommand.self, DevicesCommand.self,
        ])

    /// ArgumentParser's usage errors start like ours (its default is "Error: ").
    static var _errorPrefix: String { "warbler: " }

    static func main() {
        if let moved = movedCommand(Array(CommandLine.arguments.dropFirst())) {
            printError(moved)
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        runReportingErrors()
    }

    /// Where the timing commands went when they left this binary (a usage error, exit 64,
    /// naming the new command instead of "unexpected argument").
    static func movedCommand(_ arguments: [String]) -> String? {
        if arguments.first == "bench" {
            let rest = arguments.dropFirst().joined(separator: " ")
            return "the timing commands moved to warbler-bench, built beside warbler: warbler-bench \(rest.isEmpty ? "--help" : rest)"
        }
        if arguments.first == "train", arguments.contains(where: { $0 == "--export-batches" || $0.hasPrefix("--export-batches=") }) {
            return "train --export-batches moved to warbler-bench: warbler-bench export-batches (the same options as train, plus --batches DIR)"
        }
        return nil
    }
}
