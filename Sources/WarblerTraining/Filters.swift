// Low- and high-pass filters for the augmentation recipe (the low-pass imitates distance and
// narrow-band recorders, and shapes wind; the high-pass measures levels above the wind band):
// two cascaded RBJ-cookbook biquads (each a 2nd-order Butterworth section, Q = 1/sqrt(2)), so a
// 4th-order response: -6 dB at the cutoff and -24 dB per octave beyond it, unity gain in the
// pass band. Runs forward only (causal), in double precision.
import Foundation

public struct Biquad: Sendable, Equatable {
    public var b0, b1, b2, a1, a2: Double

    /// The RBJ audio-EQ-cookbook low-pass at `cutoff` Hz for `sampleRate` Hz with quality `q`.
    public static func lowPass(cutoff: Double, sampleRate: Double, q: Double = 0.5.squareRoot()) -> Biquad {
        let w0 = 2 * Double.pi * cutoff / sampleRate
        let alpha = sin(w0) / (2 * q), c = cos(w0)
        let a0 = 1 + alpha
        return Biquad(b0: (1 - c) / 2 / a0, b1: (1 - c) / a0, b2: (1 - c) / 2 / a0, a1: -2 * c / a0, a2: (1 - alpha) / a0)
    }

    /// The RBJ audio-EQ-cookbook high-pass at `cutoff` Hz for `sampleRate` Hz with quality `q`.
    public static func highPass(cutoff: Double, sampleRate: Double, q: Double = 0.5.squareRoot()) -> Biquad {
        let w0 = 2 * Double.pi * cutoff / sampleRate
        let alpha = sin(w0) / (2 * q), c = cos(w0)
        let a0 = 1 + alpha
        return Biquad(b0: (1 + c) / 2 / a0, b1: -(1 + c) / a0, b2: (1 + c) / 2 / a0, a1: -2 * c / a0, a2: (1 - alpha) / a0)
    }

    /// Direct form I over `x`, starting from rest.
    public func filtered(_ x: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        var x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0
        for i in x.indices {
            let x0 = Double(x[i])
            let y0 = b0 * x0 + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            out[i] = Float(y0)
            x2 = x1; x1 = x0; y2 = y1; y1 = y0
        }
        return out
    }
}

public enum HighPass {
    /// `x` high-passed at `cutoff` Hz (4th order: two Butterworth biquads in cascade).
    public static func filtered(_ x: [Float], cutoff: Double, sampleRate: Int) -> [Float] {
        let section = Biquad.highPass(cutoff: cutoff, sampleRate: Double(sampleRate))
        return section.filtered(section.filtered(x))
    }
}

public enum LowPass {
    /// `x` low-passed at `cutoff` Hz (4th order: two Butterworth biquads in cascade).
    public static func filtered(_ x: [Float], cutoff: Double, sampleRate: Int) -> [Float] {
        let section = Biquad.lowPass(cutoff: cutoff, sampleRate: Double(sampleRate))
        return section.filtered(section.filtered(x))
    }
}
