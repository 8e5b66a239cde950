// The validation set built like field audio, so that the thresholds and the choice of the best
// checkpoint are made on what detection will meet: every window of every validation recording
// (or held-out tail) mixed into noise at several SNRs, windows of two species together, and
// windows of noise alone (truth: nocall). Noise is mostly field noise (pink noise plus gusty
// low-frequency wind, `ColoredNoise.field`), sometimes pink or white; each window gets a random
// overall level. The set is a pure function of the data, the config and the seed.
import Foundation
import WarblerAudio

public struct FieldValidationConfig: Codable, Sendable, Equatable {
    /// Each call window is mixed at every one of these SNRs, dB (RMS over the call's span,
    /// above `snrHighPassHz`).
    public var snrDB: [Double] = [0, 5, 10, 15, 20]
    public var snrHighPassHz: Double = 1000
    /// Windows per recording at most (consecutive window-length pieces from its start).
    public var windowsPerRecording = 3
    /// Also mix each recording's first window with one of another class (at 0 to -6 dB
    /// relative), at 10 dB SNR.
    public var pairs = true
    /// Noise-only windows as a share of the call windows, and at least this many.
    public var noiseOnlyShare = 0.5
    public var minimumNoiseOnly = 24
    /// Overall level of every window, dB relative to full scale (RMS).
    public var levelDBFS = UniformRange(-45, -20)
    /// Noise kinds, drawn uniformly per window.
    public var noise: [NoiseColor] = [.field, .field, .pink, .white]

    public init() {}

    public func validate(sampleRate: Int) throws {
        func fail(_ s: String) -> TrainingDataError { TrainingDataError("field validation: \(s).") }
        guard !snrDB.isEmpty, snrDB.allSatisfy(\.isFinite) else { throw fail("needs at least one finite SNR") }
        guard snrHighPassHz > 0 && snrHighPassHz < Double(sampleRate) / 2 else { throw fail("the SNR high-pass must lie below the Nyquist frequency") }
        guard windowsPerRecording >= 1, minimumNoiseOnly >= 0, noiseOnlyShare >= 0, !noise.isEmpty else {
            throw fail("window counts must be positive and at least one noise kind given")
        }
        guard levelDBFS.lower <= levelDBFS.upper, levelDBFS.upper <= 0 else { throw fail("the level range must lie at or below 0 dBFS") }
    }
}

public enum FieldValidation {
    /// The validation examples of `data`: call windows at every SNR, pairs, then noise-only
    /// windows, each `length` samples.
    public static func examples(data: TrainingData, length: Int, config: FieldValidationConfig, seed: UInt64) throws -> [Example] {
        try config.validate(sampleRate: data.sampleRate)
        var out: [Example] = []
        var item = 0
        func rng(_ salt: Int) -> SplitMix64 {
            TrainingRandom.generator(seed: seed, index: item, purpose: .validation, salt: salt)
        }
        /// A call window: the recording's samples at `start` (a shorter remainder placed at a
        /// random offset among zeros), scaled to peak 1.
        func window(_ file: Int, start: Int, _ g: inout SplitMix64) -> [Float] {
            let audio = data.audio[file]
            let n = min(length, audio.count - start)
            var w = [Float](repeating: 0, count: length)
            if n > 0 {
                let at = n < length ? g.nextInt(length - n + 1) : 0
                w.withUnsafeMutableBufferPointer { audio.copy(from: start, count: n, into: $0.baseAddress! + at) }
            }
            if let peak = w.map(abs).max(), peak > 0 { w = w.map { $0 / peak } }
            return w
        }
        func finished(_ clip: [Float], snr: Double?, _ g: inout SplitMix64) -> [Float] {
            let kind = config.noise[g.nextInt(config.noise.count)]
            let noise = ColoredNoise.generate(kind, count: length, sampleRate: data.sampleRate, rng: &g)
            let mixed = snr.map { Waveform.mixed(clip, with: noise, snrDB: $0, above: config.snrHighPassHz, sampleRate: data.sampleRate) } ?? noise
            return Waveform.scaled(mixed, toRMS: pow(10, g.uniform(config.levelDBFS.lower, config.levelDBFS.upper) / 20))
        }
        for file in 0..<data.count {
            let windows = min(config.windowsPerRecording, max(1, (data.audio[file].count + length - 1) / length))
            for w in 0..<windows {
                for (s, snr) in config.snrDB.enumerated() {
                    var g = rng(s)
                    let clip = window(file, start: w * length, &g)
                    out.append(Example(samples: finished(clip, snr: snr, &g), labels: data.labels[file], file: file))
                    item += 1
                }
            }
        }
        if config.pairs {
            for file in 0..<data.count {
                var g = rng(0)
                item += 1
                let mine = data.labels[file]
                let others = (0..<data.count).filter { o in zip(mine, data.labels[o]).allSatisfy { !($0 >= 0.5 && $1 >= 0.5) } }
                guard !others.isEmpty else { continue }
                let other = others[g.nextInt(others.count)]
                let a = window(file, start: 0, &g), b = window(other, start: 0, &g)
                let gain = Float(pow(10, g.uniform(-6, 0) / 20))
                let clip = zip(a, b).map { $0 + gain * $1 }
                let labels = zip(mine, data.labels[other]).map { max($0, $1) }
                out.append(Example(samples: finished(clip, snr: 10, &g), labels: labels, file: file))
            }
        }
        let calls = out.count
        let silent = max(config.minimumNoiseOnly, Int((Double(calls) * config.noiseOnlyShare).rounded()))
        for _ in 0..<silent {
            var g = rng(0)
            item += 1
            out.append(Example(samples: finished([], snr: nil, &g), labels: [Float](repeating: 0, count: data.classes.count), file: -1))
        }
        return out
    }
}
