// `warbler synth`: generated audio for demos and tests.
import ArgumentParser
import Foundation
import WarblerAudio

struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth", abstract: "Generate audio for demos and tests.",
        subcommands: [ExampleSubcommand.self])

    struct ExampleSubcommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "example",
            abstract: "Write a bird-like example recording (synthetic whistles, trills and buzzes over wind noise).")

        @Option(help: "Output audio file (.wav, .flac, .ogg or .opus).")
        var out: String

        @Option(help: "Length, seconds.")
        var seconds: Double = 10

        @Option(name: .customLong("sample-rate"), help: "Sample rate, Hz.")
        var sampleRate: Int = 44_100

        @Option(help: "Random seed.")
        var seed: UInt64 = 7

        func validate() throws {
            guard seconds > 0, seconds <= 86_400 else { throw ValidationError("--seconds must be in (0, 86400], not \(seconds).") }
            guard sampleRate >= 8000, sampleRate <= 384_000 else { throw ValidationError("--sample-rate must be in 8000...384000, not \(sampleRate).") }
        }

        func run() throws {
            let samples = ExampleRecording.generate(seconds: seconds, sampleRate: sampleRate, seed: seed)
            try AudioWriter.write(samples, sampleRate: sampleRate, to: out)
            print("\(out): \(String(format: "%.1f", seconds)) s of synthetic bird-like audio at \(sampleRate) Hz")
        }
    }
}
