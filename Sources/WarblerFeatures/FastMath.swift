// Vectorised power-to-dB. log10 is evaluated as e * log10(2) + log10(m) with m in
// [sqrt(1/2), sqrt(2)) and log(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172, from the
// odd series s + s^3/3 + ... + s^11/11: truncation error below 1e-9 relative, so the result is
// within about one float32 ulp of a correctly rounded log10 over the normal range.
import Foundation

enum FastMath {
    typealias V = SIMD8<Float>
    typealias U = SIMD8<UInt32>
    typealias I = SIMD8<Int32>

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

    typealias V8 = SIMD8<Float>

    /// dst[c * d + r] = src[r * s + c] for an 8 x 8 block: eight row loads, three rounds of
    /// two-source shuffles (which LLVM lowers to unpack/shuffle/blend instructions) and eight
    /// row stores, instead of 64 scalar moves.
    @inline(__always)
    static func transpose8x8(_ src: UnsafePointer<Float>, stride s: Int, into dst: UnsafeMutablePointer<Float>, stride d: Int) {
        @inline(__always) func load(_ r: Int) -> V8 { UnsafeRawPointer(src + r &* s).loadUnaligned(as: V8.self) }
        @inline(__always) func store(_ r: Int, _ v: V8) { UnsafeMutableRawPointer(dst + r &* d).storeBytes(of: v, as: V8.self) }
        // Interleave pairs of rows by element, then by pairs, then by halves.
        @inline(__always) func lo1(_ a: V8, _ b: V8) -> V8 { V8(a[0], b[0], a[1], b[1], a[4], b[4], a[5], b[5]) }
        @inline(__always) func hi1(_ a: V8, _ b: V8) -> V8 { V8(a[2], b[2], a[3], b[3], a[6], b[6], a[7], b[7]) }
        @inline(__always) func lo2(_ a: V8, _ b: V8) -> V8 { V8(a[0], a[1], b[0], b[1], a[4], a[5], b[4], b[5]) }
        @inline(__always) func hi2(_ a: V8, _ b: V8) -> V8 { V8(a[2], a[3], b[2], b[3], a[6], a[7], b[6], b[7]) }
        @inline(__always) func lo4(_ a: V8, _ b: V8) -> V8 { V8(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]) }
        @inline(__always) func hi4(_ a: V8, _ b: V8) -> V8 { V8(a[4], a[5], a[6], a[7], b[4], b[5], b[6], b[7]) }
        let r0 = load(0), r1 = load(1), r2 = load(2), r3 = load(3)
        let r4 = load(4), r5 = load(5), r6 = load(6), r7 = load(7)
        let t0 = lo1(r0, r1), t1 = hi1(r0, r1), t2 = lo1(r2, r3), t3 = hi1(r2, r3)
        let t4 = lo1(r4, r5), t5 = hi1(r4, r5), t6 = lo1(r6, r7), t7 = hi1(r6, r7)
        let u0 = lo2(t0, t2), u1 = hi2(t0, t2), u2 = lo2(t1, t3), u3 = hi2(t1, t3)
        let u4 = lo2(t4, t6), u5 = hi2(t4, t6), u6 = lo2(t5, t7), u7 = hi2(t5, t7)
        store(0, lo4(u0, u4))
        store(1, lo4(u1, u5))
        store(2, lo4(u2, u6))
        store(3, lo4(u3, u7))
        store(4, hi4(u0, u4))
        store(5, hi4(u1, u5))
        store(6, hi4(u2, u6))
        store(7, hi4(u3, u7))
    }

    /// dst[c * d + r] = src[r * s + c] for 8 rows of `columns` values: 8 x 8 blocks, then the
    /// remaining columns one by one.
    @inline(__always)
    static func transpose8Rows(_ src: UnsafePointer<Float>, stride s: Int, columns: Int, into dst: UnsafeMutablePointer<Float>, stride d: Int) {
        var c = 0
        while c &+ 8 <= columns {
            transpose8x8(src + c, stride: s, into: dst + c &* d, stride: d)
            c &+= 8
        }
        while c < columns {
            for r in 0..<8 { dst[c &* d &+ r] = src[r &* s &+ c] }
            c &+= 1
        }
    }

    /// x[i] = 10 log10(max(amin, x[i])) - offset, with amin a normal float (FrontEndConfig.validate checks).
    static func powerToDB(_ x: UnsafeMutablePointer<Float>, count: Int, amin: Float, offset: Float) {
        var i = 0
        let floor = V(repeating: amin)
        while i + V.scalarCount <= count {
            let raw = UnsafeMutableRawPointer(x + i)
            var v = raw.loadUnaligned(as: V.self)
            let nan = v .!= v
            v = v.replacing(with: floor, where: v .< floor)
            var r = 10 * log10(v) - offset
            r.replace(with: .nan, where: nan)  // np.maximum propagates NaN
            raw.storeBytes(of: r, as: V.self)
            i += V.scalarCount
        }
        while i < count {
            x[i] = x[i].isNaN ? .nan : 10 * Foundation.log10(max(amin, x[i])) - offset
            i += 1
        }
    }
}
