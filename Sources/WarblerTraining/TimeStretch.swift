// Time stretch without pitch change by WSOLA (waveform-similarity overlap-add, Verhelst &
// Roelands 1993): Hann frames of 512 samples are laid down every 256 output samples; each is
// read near its nominal input position (output position / factor), shifted by up to +-64 samples
// to the offset whose first half best matches (cross-correlation) the natural continuation of
// the frame laid down before it. Periodic sounds stay phase-coherent, so a pure tone keeps its
// frequency. Search range +-64 samples (2 ms at 32 kHz) aligns periods down to ~250 Hz, below
// any bird call.
import Foundation

public enum TimeStretch {
    /// Frame length, samples.
    public static let frameLength = 512
    /// Output hop, samples (half a frame: periodic Hann frames then sum to 1).
    public static let hop = 256
    /// Largest alignment shift, samples.
    public static let tolerance = 64

    /// `x` stretched to `Int((Double(x.count) * factor).rounded())` samples (factor > 1 slows it
    /// down) with its pitch kept.
    public static func stretched(_ x: [Float], factor: Double) -> [Float] {
        precondition(factor > 0, "TimeStretch: the factor must be positive")
        let outCount = Int((Double(x.count) * factor).rounded())
        guard outCount > 0, !x.isEmpty else { return [Float](repeating: 0, count: max(0, outCount)) }
        let n = frameLength, hs = hop, tol = tolerance, half = n / 2
        let window = (0..<n).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(n))) }
        // Input padded with `n + tol` zeros on both sides so reads never leave the buffer.
        let pad = n + tol
        var input = [Float](repeating: 0, count: x.count + 2 * pad)
        input.replaceSubrange(pad..<(pad + x.count), with: x)
        // Frame k is centred on output sample k * hs and, before alignment, on input sample
        // k * hs / factor; the accumulators start `half` samples before output sample 0.
        var out = [Double](repeating: 0, count: outCount + n + hs)
        var norm = [Double](repeating: 0, count: outCount + n + hs)
        let frames = outCount / hs + 2
        var previous = -1  // input start (padded coordinates) of the last frame laid down
        input.withUnsafeBufferPointer { inp in
            let p = inp.baseAddress!
            for k in 0..<frames {
                let nominal = min(max(pad + Int((Double(k * hs) / factor).rounded()) - half, 0), inp.count - n)
                var start = nominal
                if previous >= 0 {
                    // The natural continuation of the previous frame starts at previous + hs.
                    let target = p + previous + hs
                    var best = -Float.infinity
                    let lo = max(-tol, -nominal), hi = min(tol, inp.count - n - nominal)
                    if lo <= hi {
                        for d in lo...hi {
                            let c = dot(p + nominal + d, target, count: half)
                            if c > best { best = c; start = nominal + d }
                        }
                    }
                }
                let o = k * hs
                for i in 0..<n where o + i < out.count {
                    out[o + i] += Double(p[start + i] * window[i])
                    norm[o + i] += Double(window[i])
                }
                previous = start
            }
        }
        var result = [Float](repeating: 0, count: outCount)
        for i in 0..<outCount {
            let j = i + half
            result[i] = norm[j] > 1e-3 ? Float(out[j] / norm[j]) : 0
        }
        return result
    }

    /// Dot product of `count` (a multiple of 8) floats, eight lanes at a time.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>()
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var i = 0
        while i < count {
            acc += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        return acc.sum()
    }
}
