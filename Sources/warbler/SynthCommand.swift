// `warbler synth`: generated audio for demos and tests.
import ArgumentParser
import Foundation
import WarblerCommandLine
import WarblerIO
import WarblerAudio
import WarblerSynth

struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth", abstract: "Generate audio for demos and tests.",
        subcommands: [ExampleSubcommand.self, DatasetSubcommand.self, SoundscapeSubcommand.self])

    struct ExampleSubcommand: WarblerCommand {
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
            // The recording is made in memory (12 bytes a sample): at most 4 hours.
            guard seconds > 0, seconds <= 14_400 else {
                throw ValidationError("--seconds must be in (0, 14400] (4 hours; join files for longer recordings), not \(seconds).")
            }
            guard sampleRate >= 8000, sampleRate <= 384_000 else { throw ValidationError("--sample-rate must be in 8000...384000, not \(sampleRate).") }
        }

        func execute() throws {
            // Like the other commands' --out: a missing folder is made.
            try OutputFolder.prepareParent(of: out, option: "--out")
            let samples = ExampleRecording.generate(seconds: seconds, sampleRate: sampleRate, seed: seed)
            try AudioWriter.write(samples, sampleRate: sampleRate, to: out)
            print("\(out): \(String(format: "%.1f", seconds)) s of synthetic bird-like audio at \(sampleRate) Hz")
        }
    }

    struct DatasetSubcommand: WarblerCommand {
        static let configuration = CommandConfiguration(
            commandName: "dataset",
            abstract: "Write a labelled training set of synthetic species (BirdCLEF layout: train.csv + train_audio/).",
            discussion: "The species are synthetic (parametric chirps, trills, harmonic stacks, buzzes and warbles); use them to try Warbler, not as birds.")

        @Option(help: "Output folder (train.csv, train_audio/, species.csv).")
        var out: String
        @Option(help: "Number of species.")
        var species = 10
        @Option(help: "Clips per species.")
        var clips = 12
        @Option(help: "Length of each clip, seconds.")
        var seconds = 6.0
        @Option(help: "Audio format: ogg, flac or wav.")
        var format = Choice(SynthAudioFormat.ogg)
        @Option(help: "Random seed of the clips.")
        var seed: UInt64 = 1
        @Option(help: "Random seed of the species catalogue (use the same for soundscapes).")
        var speciesSeed: UInt64 = 1

        func validate() throws {
            try SynthCommand.check(species: species, format: format)
            guard clips >= 1 else { throw ValidationError("--clips must be at least 1, not \(clips).") }
            guard seconds >= 1, seconds <= 600 else { throw ValidationError("--seconds must be in 1...600, not \(seconds).") }
        }

        func execute() throws {
            var c = SyntheticDatasetConfig()
            (c.species, c.clipsPerSpecies, c.seconds, c.format, c.seed, c.speciesSeed) = (
                species, clips, seconds, try format.value(option: "--format").rawValue, seed, speciesSeed
            )
            try OutputFolder.prepare(out, option: "--out")
            let progress = ProgressLine(label: "synth dataset", total: Double(species * clips), enabled: true)
            let n = try SyntheticDataset.write(to: out, config: c) { done, total in
                progress.update(Double(done), detail: "\(done)/\(total) clips")
            }
            progress.finish()
            print("\(out): \(n) clips of \(species) synthetic species (train.csv, train_audio/, species.csv)")
        }
    }

    struct SoundscapeSubcommand: WarblerCommand {
        static let configuration = CommandConfiguration(
            commandName: "soundscape",
            abstract: "Write long synthetic field recordings with ground truth (events.csv and Cornell-style truth.csv).")

        @Option(help: "Output folder.")
        var out: String
        @Option(help: "Number of species (the catalogue must match the training set's).")
        var species = 10
        @Option(help: "Number of recordings.")
        var count = 1
        @Option(help: "Length of each recording, seconds.")
        var seconds = 60.0
        @Option(help: "Phrases per minute over all species.")
        var phrasesPerMinute = 10.0
        @Option(help: "Audio format: ogg, flac or wav.")
        var format = Choice(SynthAudioFormat.flac)
        @Option(help: "Random seed of the recordings.")
        var seed: UInt64 = 2
        @Option(help: "Random seed of the species catalogue (the training set's).")
        var speciesSeed: UInt64 = 1

        func validate() throws {
            try SynthCommand.check(species: species, format: format)
            guard count >= 1 else { throw ValidationError("--count must be at least 1, not \(count).") }
            // Each recording is made in memory (4 bytes a sample twice over: 1.8 GB for 4 hours).
            guard seconds >= 5, seconds <= 14_400 else {
                throw ValidationError("--seconds must be in 5...14400 (4 hours; join files for longer recordings), not \(seconds).")
            }
            guard phrasesPerMinute >= 0 else { throw ValidationError("--phrases-per-minute must not be negative.") }
        }

        func execute() throws {
            var c = SyntheticSoundscapeConfig()
            (c.species, c.recordings, c.seconds, c.phrasesPerMinute, c.format, c.seed, c.speciesSeed) =
                (species, count, seconds, phrasesPerMinute, try format.value(option: "--format").rawValue, seed, speciesSeed)
            try OutputFolder.prepare(out, option: "--out")
            let events = try SyntheticSoundscape.write(to: out, config: c)
            print(
                "\(out): \(count) recording\(count == 1 ? "" : "s") of \(String(format: "%.0f", seconds)) s with \(events.count) synthetic calls (events.csv, truth.csv)"
            )
        }
    }

    static func check(species: Int, format: Choice<SynthAudioFormat>) throws {
        guard species >= 1, species <= 99 else { throw ValidationError("--species must be in 1...99, not \(species).") }
        _ = try format.value(option: "--format")
    }
}

/// The audio formats `synth dataset` and `synth soundscape` write.
enum SynthAudioFormat: String, CaseIterable {
    case ogg, flac, wav
}
