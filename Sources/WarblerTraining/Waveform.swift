// Small waveform transforms of the augmentation recipe: RMS level, gain, circular time shift,
// and mixing one signal into another at a signal-to-noise ratio defined on RMS.
import Foundation

public enum Waveform {
    /// Root-mean-square level (computed in double precision).
    public static func rms(_ x: [Float]) -> Double {
        guard !x.isEmpty else { return 0 }
        var s = 0.0
        for v in x { s += Double(v) * Double(v) }
        return (s / Double(x.count)).squareRoot()
    }

    /// `x` times 10^(dB / 20).
    public static func gained(_ x: [Float], dB: Double) -> [Float] {
        let g = Float(pow(10, dB / 20))
        return x.map { $0 * g }
    }

    /// `x` scaled to an RMS of `level` (unchanged when silent).
    public static func scaled(_ x: [Float], toRMS level: Double) -> [Float] {
        let r = rms(x)
        guard r > 0 else { return x }
        let g = Float(level / r)
        return x.map { $0 * g }
    }

    /// Circular shift by `shift` samples: output[i] = x[(i - shift) mod n] (numpy's `roll`).
    public static func rolled(_ x: [Float], by shift: Int) -> [Float] {
        let n = x.count
        guard n > 0 else { return x }
        let s = ((shift % n) + n) % n
        return Array(x[(n - s)...] + x[..<(n - s)])
    }

    /// RMS of `x` over the samples where `support` is not exactly zero (a padded call's own
    /// span, not the zeros around it); the plain RMS when `support` is nowhere zero.
    public static func activeRMS(_ x: [Float], support: [Float]) -> Double {
        var s = 0.0, n = 0
        for i in x.indices where support[i] != 0 {
            s += Double(x[i]) * Double(x[i])
            n += 1
        }
        return n == 0 ? 0 : (s / Double(n)).squareRoot()
    }

    /// `signal + g * noise` with g chosen so that 20 log10(level(signal) / rms(g * noise))
    /// equals `snrDB`, where the signal's level is its RMS over its own span (the samples that
    /// are not exactly zero: a call padded into a clip is measured where it is, not diluted by
    /// the padding). `noise` must have the signal's length. With `above` (Hz, at `sampleRate`),
    /// both levels are measured on the signals high-passed there (the sum itself is of the
    /// unfiltered signals). Returns the signal unchanged when either is silent.
    public static func mixed(
        _ signal: [Float], with noise: [Float], snrDB: Double, above: Double? = nil,
        sampleRate: Int = 32_000
    ) -> [Float] {
        precondition(signal.count == noise.count, "Waveform.mixed: lengths \(signal.count) and \(noise.count) differ")
        var s = activeRMS(signal, support: signal), n = rms(noise)
        if let f = above {
            s = activeRMS(HighPass.filtered(signal, cutoff: f, sampleRate: sampleRate), support: signal)
            n = rms(HighPass.filtered(noise, cutoff: f, sampleRate: sampleRate))
        }
        guard s > 0, n > 0 else { return signal }
        let g = Float(s / (n * pow(10, snrDB / 20)))
        var out = signal
        for i in out.indices { out[i] += g * noise[i] }
        return out
    }
}
