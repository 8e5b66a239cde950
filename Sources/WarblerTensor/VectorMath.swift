// Vectorised float32 exp, sigmoid and tanh, 16 lanes at a time, for the CPU backend's unary ops
// and the GRU gate pass (libm's scalar expf/tanhf were the top of the GRU forward's profile).
// Every function is plain SIMD arithmetic with no branches, so a value's result does not depend
// on where it sits in a buffer: `map` runs the last count % 16 elements through the same vector
// code, padded.
//
// exp(x): Cody-Waite reduction x = n ln2 + r, n = round(x / ln2), |r| <= ln2/2, with ln2 split
//   into a 9-bit head (n * head is exact for |n| <= 2^15) and a tail; the rounding error of r is
//   carried separately. e^r = 1 + r + r^2 Q(r), Q a degree-4 minimax fit (relative error 3e-9,
//   ~0.05 ulp; tools/vectormath_fit.py derives it), summed as (1 + r) split exactly into head and
//   tail plus the small terms, so only the last addition rounds at full weight. The result is
//   scaled by 2^n as 2^(n/2) * 2^(n - n/2): both factors are normal floats for every n in
//   [-150, 128], so overflow gives inf and underflow rounds once into the subnormals. x is
//   clamped to [-104, 89] first (beyond, every result is 0 or inf); NaN passes through.
// sigmoid(x) = num / (1 + e), e = e^-|x|, num = 1 for x >= 0 and e below: nothing overflows.
//   1 + e is kept as head + tail and the quotient gets one Newton correction, so it is within
//   ~0.5 ulp of num / (1 + e) and the error of e dominates.
// tanh(x) = sign(x) * tanh(|x|): for |x| < 0.875 the odd polynomial x + x^3 P(x^2), P a degree-6
//   minimax fit (relative error ~0.01 ulp), which stays accurate near 0 (tanh(x) = x for tiny and
//   subnormal x, tanh(-0) = -0); above, 1 - 2 / (e^{2|x|} + 1) with the same corrected quotient
//   as the sigmoid (2|x| is capped at 40, where the result is 1 in float32).
//
// Measured against float64 references, in ulps of the float32 spacing at the exact result
// (2^-149 below the normal range), over every float32 with |x| <= 104 (beyond, all three are
// exact: 0, inf or +-1): exp 0.78 ulp (0.69 where the result is normal), sigmoid 1.47 ulp, tanh
// 0.94 ulp. VectorMathTests checks a dense sweep against those bounds.
enum VectorMath {
    typealias V = SIMD16<Float>
    typealias U = SIMD16<UInt32>
    typealias I = SIMD16<Int32>

    @inline(__always) static func fma(_ a: V, _ b: V, _ c: V) -> V { c.addingProduct(a, b) }

    @inline(__always)
    static func exp(_ x: V) -> V {
        let log2e: Float = 1.44269504088896341
        let ln2Head: Float = 0.693359375  // 355/512
        let ln2Tail: Float = -2.12194440e-4  // ln2 - ln2Head
        // 1.5 * 2^23: adding it rounds to an integer, which then sits in the low mantissa bits.
        let shifter: Float = 12_582_912
        var xc = x.replacing(with: -104, where: x .< -104)
        xc.replace(with: 89, where: x .> 89)
        let k = fma(xc, V(repeating: log2e), V(repeating: shifter))
        let n = k - shifter
        let rHead = fma(n, V(repeating: -ln2Head), xc)  // exact
        let r = fma(n, V(repeating: -ln2Tail), rHead)
        let rTail = fma(n, V(repeating: -ln2Tail), rHead - r)  // what rounding r dropped
        var q = V(repeating: 0.001381461275741458)
        q = fma(q, r, V(repeating: 0.008368710055947304))
        q = fma(q, r, V(repeating: 0.04166838899254799))
        q = fma(q, r, V(repeating: 0.1666652113199234))
        q = fma(q, r, V(repeating: 0.4999999403953552))
        let small = fma(r * r, q, rTail)
        let head = 1 + r
        let tail = (1 - head) + r  // exact: |r| < 1
        let p = head + (tail + small)
        let ni = unsafeBitCast(k, to: I.self) &- 0x4B40_0000
        let n1 = ni &>> 1, n2 = ni &- n1
        let s1 = unsafeBitCast((n1 &+ 127) &<< 23, to: V.self)
        let s2 = unsafeBitCast((n2 &+ 127) &<< 23, to: V.self)
        return p * s1 * s2
    }

    /// num / (1 + e) for e >= 0, with one Newton step on the rounded quotient: 1 + e is carried
    /// as d + dTail, so the result is within about half an ulp of the exact quotient.
    @inline(__always)
    private static func quotient(_ num: V, onePlus e: V) -> V {
        let d = 1 + e
        let dTail = (1 - d) + e  // exact when e <= 1
        let inverse = 1 / d
        let q0 = num * inverse
        let residual = fma(-q0, dTail, fma(-q0, d, num))
        return fma(residual, inverse, q0)
    }

    @inline(__always)
    static func sigmoid(_ x: V) -> V {
        let minusAbs = unsafeBitCast(unsafeBitCast(x, to: U.self) | 0x8000_0000, to: V.self)
        let e = exp(minusAbs)
        return quotient(V(repeating: 1).replacing(with: e, where: x .< 0), onePlus: e)
    }

    @inline(__always)
    static func tanh(_ x: V) -> V {
        let bits = unsafeBitCast(x, to: U.self)
        let ax = unsafeBitCast(bits & 0x7FFF_FFFF, to: V.self)
        // |x| < 0.875: |x| + |x|^3 P(x^2).
        let t = ax * ax
        var p = V(repeating: -0.0004824175266548991)
        p = fma(p, t, V(repeating: 0.0026510090101510286))
        p = fma(p, t, V(repeating: -0.00833194050937891))
        p = fma(p, t, V(repeating: 0.021696042269468307))
        p = fma(p, t, V(repeating: -0.053937170654535294))
        p = fma(p, t, V(repeating: 0.13333065807819366))
        p = fma(p, t, V(repeating: -0.33333325386047363))
        let near = fma(ax * t, p, ax)
        // Above: 1 - 2 / (e + 1), e = e^{2|x|} >= 1, so e + 1 = d + (e - d) + 1 exactly.
        let e = exp((2 * ax).replacing(with: 40, where: ax .> 20))
        let d = e + 1
        let dTail = (e - d) + 1
        let q0 = 2 / d
        let residual = fma(-q0, dTail, fma(-q0, d, V(repeating: 2)))
        let far = 1 - fma(residual, 0.5 * q0, q0)
        let y = far.replacing(with: near, where: ax .< 0.875)
        return unsafeBitCast(unsafeBitCast(y, to: U.self) | (bits & 0x8000_0000), to: V.self)
    }

    /// The first `lanes` (1...16) floats at `p`, zeros after.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, lanes: Int = 16) -> V {
        if lanes == 16 { return UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        var v = V()
        for i in 0..<lanes { v[i] = p[i] }
        return v
    }

    /// Stores the first `lanes` (1...16) lanes of `v` at `p`.
    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, lanes: Int = 16) {
        if lanes == 16 {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
            return
        }
        for i in 0..<lanes { p[i] = v[i] }
    }

    /// dst[i] = f(src[i]) for i in 0..<count, 16 at a time; the tail goes through one padded
    /// vector, so every element gets the same arithmetic. src and dst may be the same buffer.
    @inline(__always)
    static func map(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int, _ f: (V) -> V) {
        var i = 0
        while i + 16 <= count {
            store(f(load(src + i)), dst + i)
            i += 16
        }
        if i < count { store(f(load(src + i, lanes: count - i)), dst + i, lanes: count - i) }
    }

    /// Scalar forms: one lane of the vector functions (bit-for-bit the same results).
    static func exp(_ x: Float) -> Float { exp(V(repeating: x))[0] }
    static func sigmoid(_ x: Float) -> Float { sigmoid(V(repeating: x))[0] }
    static func tanh(_ x: Float) -> Float { tanh(V(repeating: x))[0] }
}
