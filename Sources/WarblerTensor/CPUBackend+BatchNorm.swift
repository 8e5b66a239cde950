// CPU per-channel primitives for batch norm, on x viewed as [outer, channels, inner] (outer = N,
// inner = the spatial size): moments, a per-channel affine map (optionally followed by a ReLU),
// the two sums its gradient needs and the input gradient, each in one vectorised pass. Each row
// of `inner` elements is summed in float SIMD lanes and the rows are added in Double (two passes
// for the variance), so results do not drift with the reduction length. Parallel over channels
// (the reductions) or rows (the elementwise maps), in pieces of ~100 us or more.
import Foundation

extension CPUBackend {
    /// Channels per worker so each reads ~256K elements.
    private func channelGrain(_ outer: Int, _ inner: Int) -> Int { Swift.max(1, 262_144 / Swift.max(1, outer * inner)) }
    /// Rows of `inner` per worker for the elementwise maps (~128K elements each).
    private func rowGrain(_ inner: Int) -> Int { Swift.max(1, 131_072 / Swift.max(1, inner)) }

    public func channelMoments(_ x: Storage, outer: Int, channels: Int, inner: Int, mean: Storage, variance: Storage) {
        nonisolated(unsafe) let s = x.floats, m = mean.floats, v = variance.floats
        let n = Double(Swift.max(1, outer * inner))
        parallel(channels, grain: channelGrain(outer, inner)) { r in
            for c in r {
                var sum: Double = 0
                for o in 0..<outer { sum += simdSum(s + (o * channels + c) * inner, inner) }
                let mu = Float(sum / n)
                var squares: Double = 0
                for o in 0..<outer { squares += Double(rowSquaredDeviations(s + (o * channels + c) * inner, inner, center: mu)) }
                m[c] = mu
                v[c] = Float(squares / n)
            }
        }
    }

    public func channelAffine(
        _ x: Storage, outer: Int, channels: Int, inner: Int, center: Storage?, scale: Storage,
        shift: Storage?, accumulate: Bool, into out: Storage
    ) {
        affineRows(
            x, outer: outer, channels: channels, inner: inner, center: center, scale: scale, shift: shift,
            accumulate: accumulate, relu: false, into: out)
    }

    public func channelAffineReLU(
        _ x: Storage, outer: Int, channels: Int, inner: Int, center: Storage?, scale: Storage,
        shift: Storage?, into out: Storage
    ) {
        affineRows(
            x, outer: outer, channels: channels, inner: inner, center: center, scale: scale, shift: shift,
            accumulate: false, relu: true, into: out)
    }

    /// out = (x - center) * scale + shift per channel, added to out when `accumulate`, then
    /// max(0, .) when `relu` (NaN stays NaN, as `.relu`).
    private func affineRows(
        _ x: Storage, outer: Int, channels: Int, inner: Int, center: Storage?, scale: Storage,
        shift: Storage?, accumulate: Bool, relu: Bool, into out: Storage
    ) {
        nonisolated(unsafe) let s = x.floats, d = out.floats, k = scale.floats
        nonisolated(unsafe) let mu = center?.floats, b = shift?.floats
        parallel(outer * channels, grain: rowGrain(inner)) { r in
            for row in r {
                let c = row % channels
                let a = k[c], m = mu?[c] ?? 0, t = b?[c] ?? 0
                let src = s + row * inner, dst = d + row * inner
                let va = Float32x16(repeating: a), vm = Float32x16(repeating: m), vt = Float32x16(repeating: t), zero = Float32x16()
                var i = 0
                while i + 16 <= inner {
                    var y = (load16(src + i) - vm) * va + vt
                    if accumulate { y += load16(dst + i) }
                    if relu { y.replace(with: zero, where: y .< zero) }
                    store16(y, dst + i)
                    i += 16
                }
                while i < inner {
                    var y = (src[i] - m) * a + t
                    if accumulate { y += dst[i] }
                    if relu && y < 0 { y = 0 }
                    dst[i] = y
                    i += 1
                }
            }
        }
    }

    public func channelGradientSums(
        _ g: Storage, _ x: Storage, center: Storage, outer: Int, channels: Int, inner: Int,
        sum: Storage, dot: Storage
    ) {
        gradientSums(g, x, center: center, reluOutput: nil, outer: outer, channels: channels, inner: inner, sum: sum, dot: dot)
    }

    public func channelGradientSums(
        _ g: Storage, _ x: Storage, center: Storage, reluOutput: Storage?, outer: Int, channels: Int,
        inner: Int, sum: Storage, dot: Storage
    ) {
        gradientSums(g, x, center: center, reluOutput: reluOutput, outer: outer, channels: channels, inner: inner, sum: sum, dot: dot)
    }

    private func gradientSums(
        _ g: Storage, _ x: Storage, center: Storage, reluOutput: Storage?, outer: Int, channels: Int,
        inner: Int, sum: Storage, dot: Storage
    ) {
        nonisolated(unsafe) let gp = g.floats, xp = x.floats, mu = center.floats, sp = sum.floats, dp = dot.floats
        nonisolated(unsafe) let yp = reluOutput?.floats
        parallel(channels, grain: channelGrain(outer, inner)) { r in
            for c in r {
                let m = mu[c], vm = Float32x16(repeating: m), zero = Float32x16()
                var s: Double = 0, t: Double = 0
                for o in 0..<outer {
                    let base = (o * channels + c) * inner
                    let gr = gp + base, xr = xp + base, yr = yp.map { $0 + base }
                    var s0 = Float32x16(), t0 = Float32x16()
                    var i = 0
                    while i + 16 <= inner {
                        var gv = load16(gr + i)
                        if let yr { gv.replace(with: zero, where: .!(load16(yr + i) .> zero)) }
                        s0 += gv
                        t0.addProduct(gv, load16(xr + i) - vm)
                        i += 16
                    }
                    var rs = s0.sum(), rt = t0.sum()
                    while i < inner {
                        let gv = (yr.map { $0[i] > 0 } ?? true) ? gr[i] : 0
                        rs += gv
                        rt += gv * (xr[i] - m)
                        i += 1
                    }
                    s += Double(rs)
                    t += Double(rt)
                }
                sp[c] = Float(s)
                dp[c] = Float(t)
            }
        }
    }

    public func batchNormInputGradient(
        _ g: Storage, _ x: Storage, reluOutput: Storage?, center: Storage, scale: Storage,
        shift: Storage?, slope: Storage?, outer: Int, channels: Int, inner: Int, into dx: Storage
    ) {
        nonisolated(unsafe) let gp = g.floats, xp = x.floats, d = dx.floats, mu = center.floats, k = scale.floats
        nonisolated(unsafe) let b = shift?.floats, q = slope?.floats, yp = reluOutput?.floats
        parallel(outer * channels, grain: rowGrain(inner)) { r in
            for row in r {
                let c = row % channels
                let a = k[c], p = q?[c] ?? 0, m = mu[c], t = b?[c] ?? 0
                let base = row * inner
                let gr = gp + base, xr = xp + base, yr = yp.map { $0 + base }, dr = d + base
                let va = Float32x16(repeating: a), vp = Float32x16(repeating: p), vm = Float32x16(repeating: m), vt = Float32x16(repeating: t)
                let zero = Float32x16()
                var i = 0
                while i + 16 <= inner {
                    var gv = load16(gr + i)
                    if let yr { gv.replace(with: zero, where: .!(load16(yr + i) .> zero)) }
                    store16(gv * va + ((load16(xr + i) - vm) * vp + vt), dr + i)
                    i += 16
                }
                while i < inner {
                    let gv = (yr.map { $0[i] > 0 } ?? true) ? gr[i] : 0
                    dr[i] = gv * a + ((xr[i] - m) * p + t)
                    i += 1
                }
            }
        }
    }
}
