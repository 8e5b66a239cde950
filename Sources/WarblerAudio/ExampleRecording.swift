// A deterministic, bird-like example recording for the README's demo and for tests that need
// real-sounding audio without shipping any: phrases of falling whistles, a trill and a buzzy
// call over wind-like brown noise and a faint hiss.
import Foundation

public enum ExampleRecording {
    /// `seconds` of mono audio at `sampleRate`, the same for the same `seed`.
    public static func generate(seconds: Double = 10, sampleRate: Int = 32_000, seed: UInt64 = 7) -> [Float] {
        let n = Int(seconds * Double(sampleRate))
        let sr = Double(sampleRate)
        var rng = SplitMix64(seed: seed)
        var y = [Double](repeating: 0, count: n)
        // Background: brown noise (integrated white, leaky) plus a little white hiss.
        var brown = 0.0
        for i in 0..<n {
            let w = rng.nextGaussian()
            brown = 0.995 * brown + 0.02 * w
            y[i] = 0.6 * brown + 0.004 * w
        }
        var t0 = 0.4
        while t0 < seconds - 0.6 {
            switch rng.nextInt(3) {
            case 0:  // three falling whistles with two harmonics
                let f0 = 3200 + 1800 * rng.nextDouble()
                for k in 0..<3 {
                    addTone(
                        &y, sr: sr, start: t0 + Double(k) * 0.22, duration: 0.14, amplitude: 0.25,
                        f: { tau in f0 - 9000 * tau }, harmonics: [1, 0.3, 0.08])
                }
                t0 += 0.9
            case 1:  // a fast trill: frequency-modulated tone with amplitude pulses
                let fc = 5000 + 2500 * rng.nextDouble()
                addTone(
                    &y, sr: sr, start: t0, duration: 0.5, amplitude: 0.18,
                    f: { tau in fc + 600 * sin(2 * .pi * 28 * tau) }, harmonics: [1],
                    pulse: 24)
                t0 += 0.8
            default:  // a buzzy call: low fundamental with many harmonics
                let fb = 1800 + 700 * rng.nextDouble()
                addTone(
                    &y, sr: sr, start: t0, duration: 0.35, amplitude: 0.12,
                    f: { tau in fb + 300 * tau }, harmonics: [1, 0.7, 0.5, 0.35, 0.25, 0.15])
                t0 += 0.7
            }
            t0 += 0.3 + 0.9 * rng.nextDouble()
        }
        let peak = y.map { abs($0) }.max() ?? 1
        return y.map { Float(0.7 * $0 / max(peak, 1e-9)) }
    }

    private static func addTone(
        _ y: inout [Double], sr: Double, start: Double, duration: Double, amplitude: Double,
        f: (Double) -> Double, harmonics: [Double], pulse: Double = 0
    ) {
        let i0 = Int(start * sr), i1 = min(y.count, Int((start + duration) * sr))
        guard i0 < i1 else { return }
        var phase = 0.0
        for i in i0..<i1 {
            let tau = Double(i - i0) / sr
            phase += 2 * .pi * f(tau) / sr
            var v = 0.0
            for (h, a) in harmonics.enumerated() where Double(h + 1) * f(tau) < sr / 2 { v += a * sin(Double(h + 1) * phase) }
            var env = pow(sin(.pi * tau / duration), 2)
            if pulse > 0 { env *= 0.5 + 0.5 * sin(2 * .pi * pulse * tau) }
            y[i] += amplitude * env * v
        }
    }
}

/// A small, fast, seedable generator (SplitMix64) so generated audio is reproducible everywhere.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func nextDouble() -> Double { Double(next() >> 11) / Double(1 << 53) }
    public mutating func nextInt(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    /// Standard normal by Box-Muller.
    public mutating func nextGaussian() -> Double {
        let u1 = max(nextDouble(), 1e-300), u2 = nextDouble()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}
