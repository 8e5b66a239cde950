// Pitch shift that keeps the duration: resample with soxr (WarblerAudio's Resampler) so every
// frequency is multiplied by 2^(semitones / 12) (and the length divided by it), then time-stretch
// back to the original length with WSOLA (TimeStretch).
import Foundation
import WarblerAudio

public enum PitchShift {
    /// `x` (at `sampleRate` Hz) shifted by `semitones`, same length. Content pushed above the
    /// Nyquist frequency by an upward shift is removed by the resampler's anti-alias filter.
    public static func shifted(_ x: [Float], semitones: Double, sampleRate: Int, quality: ResampleQuality = .medium) throws -> [Float] {
        guard semitones != 0, !x.isEmpty else { return x }
        let ratio = pow(2, semitones / 12)
        // Read x as if it had been recorded at sampleRate * ratio and convert to sampleRate:
        // played at sampleRate, every frequency is ratio times higher and the clip 1/ratio as long.
        let inRate = Double(sampleRate) * ratio, outRate = Double(sampleRate)
        let r = try Resampler(inputRate: inRate, outputRate: outRate, quality: quality)
        var fast: [Float] = []
        fast.reserveCapacity(Int(Double(x.count) / ratio) + 1024)
        x.withUnsafeBufferPointer { r.process($0, into: &fast) }
        r.flush(into: &fast)
        let target = Resampler.outputCount(inputCount: x.count, inputRate: inRate, outputRate: outRate)
        if fast.count > target { fast.removeLast(fast.count - target) }
        while fast.count < target { fast.append(0) }
        var y = TimeStretch.stretched(fast, factor: Double(x.count) / Double(max(fast.count, 1)))
        if y.count > x.count { y.removeLast(y.count - x.count) }
        while y.count < x.count { y.append(0) }
        return y
    }
}
