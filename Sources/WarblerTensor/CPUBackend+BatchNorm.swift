// CPU per-channel primitives for batch norm, on x viewed as [outer, channels, inner] (outer = N,
// inner = the spatial size): moments, a per-channel affine map, and the two sums its gradient
// needs. Sums accumulate in Double (two passes for the variance), so they do not drift with the
// reduction length. Parallel over channels (the reductions) or rows (the affine map).
import Foundation

extension CPUBackend {
    /// Channels per worker so each gets ~65K elements.
    private func channelGrain(_ outer: Int, _ inner: Int) -> Int { Swift.max(1, 65_536 / Swift.max(1, outer * inner)) }

    public func channelMoments(_ x: Storage, outer: Int, channels: Int, inner: Int, mean: Storage, variance: Storage) {
        nonisolated(unsafe) let s = x.floats, m = mean.floats, v = variance.floats
        let n = Double(Swift.max(1, outer * inner))
        parallel(channels, grain: channelGrain(outer, inner)) { r in
            for c in r {
                var sum: Double = 0
                for o in 0..<outer {
                    let row = s + (o * channels + c) * inner
                    for i in 0..<inner { sum += Double(row[i]) }
                }
                let mu = sum / n
                var squares: Double = 0
                for o in 0..<outer {
                    let row = s + (o * channels + c) * inner
                    for i in 0..<inner {
                        let d = Double(row[i]) - mu
                        squares += d * d
                    }
                }
                m[c] = Float(mu)
                v[c] = Float(squares / n)
            }
        }
    }

    public func channelAffine(_ x: Storage, outer: Int, channels: Int, inner: Int, center: Storage?, scale: Storage,
                              shift: Storage?, accumulate: Bool, into out: Storage) {
        nonisolated(unsafe) let s = x.floats, d = out.floats, k = scale.floats
        nonisolated(unsafe) let mu = center?.floats, b = shift?.floats
        parallel(outer * channels, grain: Swift.max(1, 65_536 / Swift.max(1, inner))) { r in
            for row in r {
                let c = row % channels
                let a = k[c], m = mu?[c] ?? 0, t = b?[c] ?? 0
                let src = s + row * inner, dst = d + row * inner
                if accumulate {
                    for i in 0..<inner { dst[i] += (src[i] - m) * a + t }
                } else {
                    for i in 0..<inner { dst[i] = (src[i] - m) * a + t }
                }
            }
        }
    }

    public func channelGradientSums(_ g: Storage, _ x: Storage, center: Storage, outer: Int, channels: Int, inner: Int,
                                    sum: Storage, dot: Storage) {
        nonisolated(unsafe) let gp = g.floats, xp = x.floats, mu = center.floats, sp = sum.floats, dp = dot.floats
        parallel(channels, grain: channelGrain(outer, inner)) { r in
            for c in r {
                let m = Double(mu[c])
                var s: Double = 0, t: Double = 0
                for o in 0..<outer {
                    let base = (o * channels + c) * inner
                    for i in 0..<inner {
                        let gv = Double(gp[base + i])
                        s += gv
                        t += gv * (Double(xp[base + i]) - m)
                    }
                }
                sp[c] = Float(s)
                dp[c] = Float(t)
            }
        }
    }
}
