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

    /// `signal + g * noise` with g chosen so that 20 log10(rms(signal) / rms(g * noise)) equals
    /// `snrDB`. `noise` must have the signal's length. Returns the signal unchanged when either
    /// is silent (the ratio is undefined).
    public static func mixed(_ signal: [Float], with noise: [Float], snrDB: Double) -> [Float] {
        precondition(signal.count == noise.count, "Waveform.mixed: lengths \(signal.count) and \(noise.count) differ")
        let s = rms(signal), n = rms(noise)
        guard s > 0, n > 0 else { return signal }
        let g = Float(s / (n * pow(10, snrDB / 20)))
        var out = signal
        for i in out.indices { out[i] += g * noise[i] }
        return out
    }
}
