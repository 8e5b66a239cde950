// Small SIMD helpers for the CPU kernels: 16-float vectors (one AVX-512 register; two AVX2
// registers on older CPUs) read and written at any alignment, and row sums that keep several
// independent accumulators so the adds pipeline instead of waiting on each other.
typealias Float32x16 = SIMD16<Float>

@inline(__always) func load16(_ p: UnsafePointer<Float>) -> Float32x16 {
    UnsafeRawPointer(p).loadUnaligned(as: Float32x16.self)
}

@inline(__always) func store16(_ v: Float32x16, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Float32x16.self)
}

/// The sum of p[0..<n]: 32 float lanes, each adding at most 16 elements before the lanes are
/// added into a Double every 512 elements, so the error stays near float32 rounding of the
/// result however long the row.
@inline(__always) func simdSum(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
    var total: Double = 0
    var i = 0
    while i + 32 <= n {
        var a0 = Float32x16(), a1 = Float32x16()
        let end = Swift.min(n, i + 512)
        while i + 32 <= end {
            a0 += load16(p + i)
            a1 += load16(p + i + 16)
            i += 32
        }
        total += Double((a0 + a1).sum())
    }
    var tail: Float = 0
    while i < n {
        tail += p[i]
        i += 1
    }
    return total + Double(tail)
}

/// The sum of (p[i] - center)^2 over p[0..<n].
@inline(__always) func rowSquaredDeviations(_ p: UnsafePointer<Float>, _ n: Int, center: Float) -> Float {
    var a0 = Float32x16(), a1 = Float32x16()
    let c = Float32x16(repeating: center)
    var i = 0
    while i + 32 <= n {
        let d0 = load16(p + i) - c, d1 = load16(p + i + 16) - c
        a0.addProduct(d0, d0)
        a1.addProduct(d1, d1)
        i += 32
    }
    if i + 16 <= n {
        let d0 = load16(p + i) - c
        a0.addProduct(d0, d0)
        i += 16
    }
    var s = (a0 + a1).sum()
    while i < n {
        let d = p[i] - center
        s += d * d
        i += 1
    }
    return s
}
