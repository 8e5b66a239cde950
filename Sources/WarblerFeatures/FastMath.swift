// Vectorised power-to-dB. log10 is evaluated as e * log10(2) + log10(m) with m in
// [sqrt(1/2), sqrt(2)) and log(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172, from the
// odd series s + s^3/3 + ... + s^11/11: truncation error below 1e-9 relative, so the result is
// within about one float32 ulp of a correctly rounded log10 over the normal range.
import Foundation

enum FastMath {
    typealias V = SIMD16<Float>
    typealias U = SIMD16<UInt32>
    typealias I = SIMD16<Int32>

    @inline(__always)
    static func log10(_ x: V) -> V {
        let bits = unsafeBitCast(x, to: U.self)
        var e = I(truncatingIfNeeded: bits &>> 23) &- 127
        var m = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F80_0000, to: V.self)
        let big = m .> V(repeating: 1.41421356)
        m.replace(with: m * 0.5, where: big)
        e.replace(with: e &+ 1, where: big)
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var p = V(repeating: 1.0 / 11)
        p = p * s2 + 1.0 / 9
        p = p * s2 + 1.0 / 7
        p = p * s2 + 1.0 / 5
        p = p * s2 + 1.0 / 3
        p = p * s2 + 1
        let lnM = 2 * s * p
        let log10e: Float = 0.43429448190325182765
        let log10two: Float = 0.30102999566398119521
        return V(e) * log10two + lnM * log10e
    }

    /// x[i] = 10 log10(max(amin, x[i])) - offset, with amin a normal float (FrontEndConfig.validate checks).
    static func powerToDB(_ x: UnsafeMutablePointer<Float>, count: Int, amin: Float, offset: Float) {
        var i = 0
        let floor = V(repeating: amin)
        while i + 16 <= count {
            let raw = UnsafeMutableRawPointer(x + i)
            var v = raw.loadUnaligned(as: V.self)
            let nan = v .!= v
            v = v.replacing(with: floor, where: v .< floor)
            var r = 10 * log10(v) - offset
            r.replace(with: .nan, where: nan)  // np.maximum propagates NaN
            raw.storeBytes(of: r, as: V.self)
            i += 16
        }
        while i < count {
            x[i] = x[i].isNaN ? .nan : 10 * Foundation.log10(max(amin, x[i])) - offset
            i += 1
        }
    }
}
