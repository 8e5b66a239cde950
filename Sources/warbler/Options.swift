// Option groups shared by the subcommands: audio input, the front-end, and outputs.
import ArgumentParser
import Foundation
import WarblerAudio
import WarblerFeatures
import WarblerTensor

extension ResampleQuality: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { ["quick", "low", "medium", "high", "very-high"] }
}
extension WindowKind: ExpressibleByArgument {}
extension PadMode: ExpressibleByArgument {}
extension MelScale: ExpressibleByArgument {}
extension MelNorm: ExpressibleByArgument {}

/// How recordings are decoded: target rate and resampling quality.
struct AudioOptions: ParsableArguments {
    @Option(name: .customLong("sample-rate"), help: "Resample every input to this rate, Hz (1000 to 768000).")
    var sampleRate: Int = 32_000

    @Option(name: .customLong("resample-quality"),
            help: "soxr quality: quick, low, medium, high (soxr HQ, librosa's default) or very-high (VHQ).")
    var resampleQuality: ResampleQuality = .high

    var config: AudioConfig { AudioConfig(sampleRate: sampleRate, quality: resampleQuality) }

    func validate() throws {
        guard SoundFile.sampleRateRange.contains(sampleRate) else {
            throw ValidationError("--sample-rate must be \(SoundFile.sampleRateRange.lowerBound) to \(SoundFile.sampleRateRange.upperBound) Hz, not \(sampleRate).")
        }
    }
}

/// The log-mel front-end's parameters (defaults: the seed's).
struct FrontEndOptions: ParsableArguments {
    @Option(name: .customLong("n-fft"), help: "FFT length, samples (2 to 65536).")
    var nFFT: Int = 1024
    @Option(name: .customLong("hop-length"), help: "Hop between frames, samples (1 to 262144).")
    var hopLength: Int = 320
    @Option(name: .customLong("win-length"), help: "Window length, samples (default: n-fft).")
    var winLength: Int?
    @Option(help: "Window: hann, hamming, blackman or rectangular (periodic).")
    var window: WindowKind = .hann
    @Flag(inversion: .prefixedNo, help: "Centre frames by padding n-fft/2 samples at each end.")
    var center: Bool = true
    @Option(name: .customLong("pad-mode"),
            help: "Padding when centred: reflect (torchlibrosa/torch.stft, the seed's) or constant (librosa >= 0.10).")
    var padMode: PadMode = .reflect
    @Option(help: "Exponent of the magnitude: 2 = power, 1 = magnitude.")
    var power: Float = 2
    @Option(name: .customLong("n-mels"), help: "Mel bands (1 to 2048).")
    var nMels: Int = 128
    @Option(help: "Lowest band edge, Hz.")
    var fmin: Double = 50
    @Option(help: "Highest band edge, Hz, at most half the sample rate (default: 14000, or half the sample rate when that is lower).")
    var fmax: Double?
    @Option(name: .customLong("mel-scale"), help: "slaney (librosa) or htk (torchaudio).")
    var melScale: MelScale = .slaney
    @Option(name: .customLong("mel-norm"), help: "slaney (unit-area bands, librosa) or none (peak 1, torchaudio).")
    var melNorm: MelNorm = .slaney
    @Flag(help: "Write linear mel values instead of dB.")
    var linear: Bool = false
    @Option(help: "dB reference: 10 log10(max(amin, S)) - 10 log10(max(amin, ref)).")
    var ref: Float = 1
    @Option(help: "Floor applied to S and ref before the logarithm.")
    var amin: Float = 1e-10
    @Option(name: .customLong("top-db"), help: "Clip to (max - top-db) dB over the whole recording (default: off, as the seed).")
    var topDB: Float?

    func config(sampleRate: Int) -> FrontEndConfig {
        var c = FrontEndConfig()
        c.sampleRate = sampleRate
        c.nFFT = nFFT
        c.hopLength = hopLength
        c.winLength = winLength
        c.window = window
        c.center = center
        c.padMode = padMode
        c.power = power
        c.nMels = nMels
        c.fMin = fmin
        c.fMax = fmax ?? min(14_000, Double(sampleRate) / 2)
        c.melScale = melScale
        c.melNorm = melNorm
        c.decibels = !linear
        c.ref = ref
        c.amin = amin
        c.topDB = topDB
        return c
    }
}

extension FrontEndOptions {
    /// Validates against the audio options' sample rate (fmax vs Nyquist needs both).
    func validated(sampleRate: Int) throws -> FrontEndConfig {
        let c = config(sampleRate: sampleRate)
        do { try c.validate() } catch { throw ValidationError(describe(error)) }
        return c
    }
}

/// Where the work runs: `cpu` (default), `cuda` (device 0) or `cuda:N`.
struct DeviceOptions: ParsableArguments {
    @Option(help: "Device: cpu, cuda or cuda:N (the GPU needs the NVIDIA driver and CUDA libraries; see `warbler devices`).")
    var device: String = "cpu"

    var parsed: Device { Device(name: device) ?? .cpu }

    func validate() throws {
        guard Device(name: device) != nil else {
            throw ValidationError("--device must be cpu, cuda or cuda:N, not \(device).")
        }
    }
}

/// What every long command (detect, train, spectrogram, predict) shares: --quiet and --threads.
struct RunOptions: ParsableArguments {
    @Flag(help: "No progress and no per-file lines (results, warnings and errors are still printed).")
    var quiet: Bool = false

    @Option(help: ArgumentHelp("Threads for the work: the front-end, the model on the CPU (OpenBLAS, oneDNN/OpenMP) and file loading, 1 to 256 (default: WARBLER_THREADS, else one per core).",
                               valueName: "n"))
    var threads: Int?

    static let threadRange = 1...256

    func validate() throws {
        if let threads, !Self.threadRange.contains(threads) {
            throw ValidationError("--threads must be \(Self.threadRange.lowerBound) to \(Self.threadRange.upperBound), not \(threads).")
        }
    }

    /// The thread count in force: --threads, else WARBLER_THREADS (a positive integer), else one per core.
    var threadCount: Int {
        threads ?? ProcessInfo.processInfo.environment["WARBLER_THREADS"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
            ?? ProcessInfo.processInfo.activeProcessorCount
    }

    /// Makes --threads the process's thread count; call it first in `run()`, before any work:
    /// the CPU backend (its loops, OpenBLAS and oneDNN's OpenMP regions) reads WARBLER_THREADS
    /// once, when it is first used. Front-ends and loaders are given `threadCount` by the command.
    func apply() {
        if let threads { setenv("WARBLER_THREADS", String(threads), 1) }
    }

    /// Applies --threads, then does the command's work; its errors go on to `Warbler.exit(reporting:)`.
    func run(_ work: () throws -> Void) rethrows {
        apply()
        try work()
    }
}
