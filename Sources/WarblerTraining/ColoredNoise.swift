// White, pink and brown noise, and field noise (pink noise plus gusty low-frequency wind), for the
// augmentation recipe and the field-like validation set, from a seeded generator. Levels are
// arbitrary (the caller scales to an SNR); each kind has zero mean.
import Foundation
import WarblerAudio

public enum ColoredNoise {
    /// `count` samples of `color` noise.
    /// - white: independent standard normal samples (flat spectrum).
    /// - pink: white noise through Paul Kellet's refined 7-pole filter (-3 dB/octave within
    ///   about 0.05 dB from ~10 Hz up).
    /// - brown: leaky integral of white noise, y[i] = 0.998 y[i-1] + w[i] (-6 dB/octave above
    ///   ~10 Hz at 32 kHz), mean removed.
    /// - field: `field(count:sampleRate:rng:)` at 32 kHz.
    public static func generate(_ color: NoiseColor, count: Int, sampleRate: Int = 32_000, rng: inout SplitMix64) -> [Float] {
        if color == .field { return field(count: count, sampleRate: sampleRate, rng: &rng) }
        var out = gaussian(count: count, rng: &rng)
        switch color {
        case .field:
            break
        case .white:
            break
        case .pink:
            var b = [Double](repeating: 0, count: 7)
            for i in 0..<count {
                let w = Double(out[i])
                b[0] = 0.99886 * b[0] + w * 0.0555179
                b[1] = 0.99332 * b[1] + w * 0.0750759
                b[2] = 0.96900 * b[2] + w * 0.1538520
                b[3] = 0.86650 * b[3] + w * 0.3104856
                b[4] = 0.55000 * b[4] + w * 0.5329522
                b[5] = -0.7616 * b[5] - w * 0.0168980
                out[i] = Float(b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + w * 0.5362)
                b[6] = w * 0.115926
            }
        case .brown:
            var y = 0.0
            for i in 0..<count {
                y = 0.998 * y + Double(out[i])
                out[i] = Float(y)
            }
            let mean = out.reduce(0, +) / Float(max(count, 1))
            for i in 0..<count { out[i] -= mean }
        }
        return out
    }

    /// Pink noise plus wind 0-15 dB louder (RMS): brown noise low-passed at 150-600 Hz under a
    /// gust envelope exp(d g(t)), g a sum of three sinusoids of 0.1-0.5 Hz with amplitudes
    /// 0.4-1 and random phases, d in 0.6-1.2 (gusts of about +-10 dB every few seconds).
    /// Unit RMS.
    public static func field(count: Int, sampleRate: Int, rng: inout SplitMix64) -> [Float] {
        guard count > 0 else { return [] }
        let pink = Waveform.scaled(generate(.pink, count: count, rng: &rng), toRMS: 1)
        var wind = LowPass.filtered(generate(.brown, count: count, rng: &rng), cutoff: rng.uniform(150, 600), sampleRate: sampleRate)
        var parts: [(amplitude: Double, frequency: Double, phase: Double)] = []
        for _ in 0..<3 { parts.append((rng.uniform(0.4, 1), rng.uniform(0.1, 0.5), rng.uniform(0, 2 * Double.pi))) }
        let depth = rng.uniform(0.6, 1.2)
        // The envelope is slow: computed every 128 samples and interpolated linearly between.
        let stride = 128, step = 2 * Double.pi / Double(sampleRate)
        func envelope(_ i: Int) -> Double {
            var g = 0.0
            for p in parts { g += p.amplitude * sin(p.frequency * step * Double(i) + p.phase) }
            return exp(depth * g)
        }
        var start = 0, e0 = envelope(0)
        while start < count {
            let e1 = envelope(start + stride), end = min(count, start + stride)
            for i in start..<end { wind[i] *= Float(e0 + (e1 - e0) * Double(i - start) / Double(stride)) }
            (start, e0) = (end, e1)
        }
        wind = Waveform.scaled(wind, toRMS: pow(10, rng.uniform(0, 15) / 20))
        var out = pink
        for i in 0..<count { out[i] += wind[i] }
        return Waveform.scaled(out, toRMS: 1)
    }

    /// `count` standard normal samples, two from each Box-Muller draw (cos and sin), so noise
    /// costs half the transcendental calls of drawing them one by one.
    static func gaussian(count: Int, rng: inout SplitMix64) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        var i = 0
        while i < count {
            let r = (-2 * log(max(rng.nextDouble(), 1e-300))).squareRoot(), t = 2 * Double.pi * rng.nextDouble()
            out[i] = Float(r * cos(t))
            if i + 1 < count { out[i + 1] = Float(r * sin(t)) }
            i += 2
        }
        return out
    }
}
