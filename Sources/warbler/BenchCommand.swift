// `warbler bench`: in-process timings that bench/*.py compare with the Python peers in the
// same run (medians of repeated runs; results as JSON on standard output).
import ArgumentParser
import Foundation
import WarblerAudio
import WarblerFeatures
import WarblerIO

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Time Warbler's stages (used by the scripts in bench/).",
        subcommands: [FrontEndBench.self, LoadBench.self, EngineBench.self, ModelBench.self])

    /// Median of `repeats` timed runs after `warmup` untimed ones, in milliseconds.
    static func median(repeats: Int, warmup: Int = 1, _ body: () throws -> Void) rethrows -> (median: Double, all: [Double]) {
        for _ in 0..<warmup { try body() }
        var times: [Double] = []
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        let sorted = times.sorted()
        return (sorted[sorted.count / 2], times)
    }

    static func emit(_ object: [String: Any]) {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    struct FrontEndBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "frontend", abstract: "Time the log-mel front-end on a signal in memory.")

        @Option(help: "A float32 .npy signal at the front-end's sample rate (default: generated audio).")
        var input: String?
        @Option(help: "Seconds of generated audio when no --input is given.")
        var seconds: Double = 300
        @Option(help: "Timed repetitions.")
        var repeats: Int = 7
        @Option(help: "Worker threads (default: all cores).")
        var threads: Int?
        @OptionGroup var frontEnd: FrontEndOptions
        @Option(name: .customLong("sample-rate"), help: "Sample rate, Hz.")
        var sampleRate: Int = 32_000
        @Option(help: "Stop after: spectrum, mel or output (the configured log-mel).")
        var stage: String = "output"

        func run() throws {
            let config = try frontEnd.validated(sampleRate: sampleRate)
            let signal = try input.map { try NPY.read($0).floats() }
                ?? ExampleRecording.generate(seconds: seconds, sampleRate: sampleRate)
            let fe = try FrontEnd(config: config, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
            let stop: FrontEndStage
            switch stage {
            case "spectrum": stop = .spectrum
            case "mel": stop = .mel
            case "output": stop = .output
            default: throw ValidationError("--stage must be spectrum, mel or output, not \(stage).")
            }
            var frames = 0
            let t = try BenchCommand.median(repeats: repeats) { frames = try fe.compute(signal, stage: stop).frameCount }
            BenchCommand.emit(["stage": "frontend-\(stage)", "samples": signal.count, "frames": frames,
                               "threads": fe.threads, "median_ms": t.median, "runs_ms": t.all])
        }
    }

    struct LoadBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "load", abstract: "Time decode + downmix + resample of audio files.")

        @Argument(help: "Audio files.")
        var files: [String]
        @Option(help: "Timed repetitions.")
        var repeats: Int = 5
        @OptionGroup var audio: AudioOptions

        func run() throws {
            for file in files {
                var n = 0
                let t = try BenchCommand.median(repeats: repeats) { n = try AudioLoader.load(file, config: audio.config).samples.count }
                BenchCommand.emit(["stage": "load", "file": file, "samples": n, "median_ms": t.median, "runs_ms": t.all])
            }
        }
    }
}
