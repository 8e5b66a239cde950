// Option groups shared by the commands of `warbler` and `warbler-bench`: audio input, the
// front-end, the device, --threads/--quiet, and `Choice` for options with a fixed set of values.
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

/// An option whose value is one of `Value`'s cases (`--format ogg`, `--stage mel`). Any text is
/// taken while parsing and checked by `value(option:)` in the command's `validate()`, so a bad
/// value is a usage error (64) in Warbler's words, "--format must be ogg, flac or wav, not mp4."
/// (ArgumentParser's own would be "The value 'mp4' is invalid for '--format <format>'").
public struct Choice<Value: CaseIterable & RawRepresentable>: ExpressibleByArgument where Value.RawValue == String {
    public let text: String

    public init(_ value: Value) { text = value.rawValue }
    public init?(argument: String) { text = argument }

    public var defaultValueDescription: String { text }
    public static var allValueStrings: [String] { Value.allCases.map(\.rawValue) }

    /// The case given, or the usage error naming `option` and the accepted values.
    public func value(option: String) throws -> Value {
        if let v = Value(rawValue: text) { return v }
        let names = Self.allValueStrings
        let list = names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names.last!
        throw ValidationError("\(option) must be \(list), not \(text).")
    }
}

/// How recordings are decoded: target rate and resampling quality.
public struct AudioOptions: ParsableArguments {
    public init() {}

    @Option(name: .customLong("sample-rate"), help: "Resample every input to this rate, Hz (1000 to 768000).")
    public var sampleRate: Int = 32_000

    @Option(
        name: .customLong("resample-quality"),
        help: "soxr quality: quick, low, medium, high (soxr HQ, librosa's default) or very-high (VHQ).")
    public var resampleQuality: ResampleQuality = .high

    public var config: AudioConfig { AudioConfig(sampleRate: sampleRate, quality: resampleQuality) }

    public func validate() throws {
        guard SoundFile.sampleRateRange.contains(sampleRate) else {
            throw ValidationError(
                "--sample-rate must be \(SoundFile.sampleRateRange.lowerBound) to \(SoundFile.sampleRateRange.upperBound) Hz, not \(sampleRate).")
        }
    }
}

/// The log-mel front-end's parameters (defaults: the seed's).
public struct FrontEndOptions: ParsableArguments {
    public init() {}

    @Option(name: .customLong("n-fft"), help: "FFT length, samples (2 to 65536).")
    public var nFFT: Int = 1024
    @Option(name: .customLong("hop-length"), help: "Hop between frames, samples (1 to 262144).")
    public var hopLength: Int = 320
    @Option(name: .customLong("win-length"), help: "Window length, samples (default: n-fft).")
    public var winLength: Int?
    @Option(help: "Window: hann, hamming, blackman or rectangular (periodic).")
    public var window: WindowKind = .hann
    @Flag(inversion: .prefixedNo, help: "Centre frames by padding n-fft/2 samples at each end.")
    public var center: Bool = true
    @Option(
        name: .customLong("pad-mode"),
        help: "Padding when centred: reflect (torchlibrosa/torch.stft, the seed's) or constant (librosa >= 0.10).")
    public var padMode: PadMode = .reflect
    @Option(help: "Exponent of the magnitude: 2 = power, 1 = magnitude.")
    public var power: Float = 2
    @Option(name: .customLong("n-mels"), help: "Mel bands (1 to 2048).")
    public var nMels: Int = 128
    @Option(help: "Lowest band edge, Hz.")
    public var fmin: Double = 50
    @Option(help: "Highest band edge, Hz, at most half the sample rate (default: 14000, or half the sample rate when that is lower).")
    public var fmax: Double?
    @Option(name: .customLong("mel-scale"), help: "slaney (librosa) or htk (torchaudio).")
    public var melScale: MelScale = .slaney
    @Option(name: .customLong("mel-norm"), help: "slaney (unit-area bands, librosa) or none (peak 1, torchaudio).")
    public var melNorm: MelNorm = .slaney
    @Flag(help: "Write linear mel values instead of dB.")
    public var linear: Bool = false
    @Option(help: "dB reference: 10 log10(max(amin, S)) - 10 log10(max(amin, ref)).")
    public var ref: Float = 1
    @Option(help: "Floor applied to S and ref before the logarithm.")
    public var amin: Float = 1e-10
    @Option(name: .customLong("top-db"), help: "Clip to (max - top-db) dB over the whole recording (default: off, as the seed).")
    public var topDB: Float?

    public func config(sampleRate: Int) -> FrontEndConfig {
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
    public func validated(sampleRate: Int) throws -> FrontEndConfig {
        let c = config(sampleRate: sampleRate)
        do { try c.validate() } catch { throw ValidationError(describe(error)) }
        return c
    }
}

/// Where the work runs: `cpu` (default), `cuda` (device 0) or `cuda:N`.
public struct DeviceOptions: ParsableArguments {
    public init() {}

    @Option(help: "Device: cpu, cuda or cuda:N (the GPU needs the NVIDIA driver and CUDA libraries; see `warbler devices`).")
    public var device: String = "cpu"

    public var parsed: Device { Device(name: device) ?? .cpu }

    public func validate() throws {
        guard Device(name: device) != nil else {
            throw ValidationError("--device must be cpu, cuda or cuda:N, not \(device).")
        }
    }
}

/// Where a model runs and in what precision (detect, predict, bench model): --device, and --bf16
/// for the CPU's convolutions.
public struct ModelDeviceOptions: ParsableArguments {
    public init() {}

    @OptionGroup var deviceOptions: DeviceOptions

    @Flag(
        help:
            "Run the model's convolutions in bfloat16 on the CPU (AVX-512 BF16, float32 where the CPU lacks it; about 1.25x faster at batch 16, scores within ~1e-2)."
    )
    public var bf16 = false

    /// The --device text as given (run records and score reuse keep it as written).
    public var device: String { deviceOptions.device }
    public var parsed: Device { deviceOptions.parsed }

    public func validate() throws {
        if bf16 && device != "cpu" { throw ValidationError("--bf16 is for the CPU (bfloat16 on the GPU is not implemented yet).") }
    }
}

/// What every long command (detect, train, spectrogram, predict) shares: --quiet and --threads.
public struct RunOptions: ParsableArguments {
    public init() {}

    @Flag(help: "No progress and no per-file lines (results, warnings and errors are still printed).")
    public var quiet: Bool = false

    @Option(
        help: ArgumentHelp(
            "Threads for the work: the front-end, the model on the CPU (OpenBLAS, oneDNN/OpenMP) and file loading, 1 to 256 (default: WARBLER_THREADS, else one per core).",
            valueName: "n"))
    public var threads: Int?

    public static let threadRange = 1...256

    public func validate() throws {
        if let threads, !Self.threadRange.contains(threads) {
            throw ValidationError("--threads must be \(Self.threadRange.lowerBound) to \(Self.threadRange.upperBound), not \(threads).")
        }
    }

    /// The thread count in force: --threads, else WARBLER_THREADS (a positive integer), else one per core.
    public var threadCount: Int {
        threads ?? ProcessInfo.processInfo.environment["WARBLER_THREADS"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
            ?? ProcessInfo.processInfo.activeProcessorCount
    }

    /// Makes --threads the process's thread count; call it first in `run()`, before any work:
    /// the CPU backend (its loops, OpenBLAS and oneDNN's OpenMP regions) reads WARBLER_THREADS
    /// once, when it is first used. Front-ends and loaders are given `threadCount` by the command.
    public func apply() {
        if let threads { setenv("WARBLER_THREADS", String(threads), 1) }
    }
}
