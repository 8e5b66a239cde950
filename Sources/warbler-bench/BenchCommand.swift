// `warbler-bench`: in-process timings that bench/*.py compare with the Python peers in the
// same run (medians of repeated runs; results as JSON on standard output), and the training
// batches bench/train.py replays. A separate executable: none of it ships in `warbler`.
import ArgumentParser
import Foundation
import WarblerAudio
import WarblerCommandLine
import WarblerCUDA
import WarblerFeatures
import WarblerIO

@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warbler-bench", abstract: "Time Warbler's stages (used by the scripts in bench/).",
        version: WarblerVersion.string,
        subcommands: [
            FrontEndBench.self, LoadBench.self, EngineBench.self, ModelBench.self, TrainReplayBench.self,
            ExportBatchesCommand.self,
        ])

    /// ArgumentParser's usage errors start like the other errors (its default is "Error: ").
    static var _errorPrefix: String { "warbler: " }

    static func main() { runReportingErrors() }

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
        var stage = Choice(StageName.output)
        @Option(help: "Clips per call: the signal repeated this many times, computed as one batch.")
        var batch: Int = 1
        @OptionGroup var deviceOptions: DeviceOptions
        @Option(name: .customLong("save-output"), help: "Also write the first clip's log-mel as .npy [frames, n_mels] (for agreement checks).")
        var saveOutput: String?

        func validate() throws {
            guard batch >= 1 else { throw ValidationError("--batch must be at least 1, not \(batch).") }
            if deviceOptions.parsed != .cpu && stage.text != StageName.output.rawValue {
                throw ValidationError("--stage \(stage.text) is timed on the CPU only; the GPU front-end runs whole.")
            }
            _ = try stage.value(option: "--stage")
        }

        func run() throws {
            let config = try frontEnd.validated(sampleRate: sampleRate)
            let signal =
                try input.map { try NPY.read($0).floats() }
                ?? ExampleRecording.generate(seconds: seconds, sampleRate: sampleRate)
            if case .cuda(let i) = deviceOptions.parsed {
                try runCUDA(config: config, signal: signal, ordinal: i)
                return
            }
            let fe = try FrontEnd(config: config, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
            let name = try stage.value(option: "--stage")
            let stop = name.stage
            var frames = 0
            let t: (median: Double, all: [Double])
            if batch == 1 {
                t = try BenchCommand.median(repeats: repeats) { frames = try fe.compute(signal, stage: stop).frameCount }
            } else {
                let clips = [[Float]](repeating: signal, count: batch)
                t = try BenchCommand.median(repeats: repeats) { frames = try fe(batch: clips).reduce(0) { $0 + $1.frameCount } }
            }
            if let path = saveOutput {
                let s = try fe.compute(signal, stage: stop)
                try NPY.write(s.values, shape: [s.frameCount, s.binCount], to: path)
            }
            BenchCommand.emit([
                "stage": "frontend-\(name.rawValue)", "device": "cpu", "batch": batch, "samples": signal.count * batch,
                "frames": frames, "threads": fe.threads, "median_ms": t.median, "runs_ms": t.all,
            ])
        }

        /// GPU timings: the device-resident path (signals already on the GPU, result left there)
        /// timed with CUDA events for every CUDAFrontEndPath (the default path's is `median_ms`),
        /// and the host-to-host path (upload, compute, download) timed
        /// with the wall clock; each after one warm-up (kernel load, cuFFT plans, allocator).
        func runCUDA(config: FrontEndConfig, signal: [Float], ordinal: Int) throws {
            let fe = try CUDAFrontEnd(config: config, device: ordinal)
            let clips = [[Float]](repeating: signal, count: batch)
            let onDevice = try fe.upload(batch: clips)
            var frames = 0
            var runs: [CUDAFrontEndPath: [Double]] = [:]
            let chosen = fe.path
            for path in CUDAFrontEndPath.allCases {
                fe.path = path
                for r in 0...repeats {
                    let ms = try fe.device.timed { frames = try fe.compute(onDevice).totalFrames }
                    if r > 0 { runs[path, default: []].append(ms) }
                }
            }
            fe.path = chosen
            func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
            let deviceRuns = runs[fe.effectivePath]!
            var first: Spectrogram?
            let host = try BenchCommand.median(repeats: repeats) { first = try fe(batch: clips)[0] }
            if let path = saveOutput, let s = first {
                try NPY.write(s.values, shape: [s.frameCount, s.binCount], to: path)
            }
            let sorted = deviceRuns.sorted()
            BenchCommand.emit([
                "stage": "frontend-output", "device": "cuda:\(ordinal)", "gpu": fe.device.name, "batch": batch,
                "samples": signal.count * batch, "frames": frames, "median_ms": sorted[sorted.count / 2],
                "path": fe.effectivePath.rawValue,
                "path_median_ms": Dictionary(uniqueKeysWithValues: runs.map { ($0.key.rawValue, median($0.value)) }),
                "runs_ms": deviceRuns, "host_to_host_median_ms": host.median, "host_to_host_runs_ms": host.all,
            ])
        }
    }

    /// Where `bench frontend --stage` stops.
    enum StageName: String, CaseIterable {
        case spectrum, mel, output

        var stage: FrontEndStage {
            switch self {
            case .spectrum: .spectrum
            case .mel: .mel
            case .output: .output
            }
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
