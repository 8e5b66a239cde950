// CPU versions of the fused elementwise primitives: one vectorised pass each.
extension CPUBackend {
    public func reluBackward(_ g: Storage, _ y: Storage, into out: Storage) {
        nonisolated(unsafe) let gp = g.floats, yp = y.floats, d = out.floats
        parallel(y.count, grain: 131_072) { r in
            let zero = Float32x16()
            var i = r.lowerBound
            while i + 16 <= r.upperBound {
                var v = load16(gp + i)
                v.replace(with: zero, where: .!(load16(yp + i) .> zero))
                store16(v, d + i)
                i += 16
            }
            while i < r.upperBound {
                d[i] = yp[i] > 0 ? gp[i] : 0
                i += 1
            }
        }
    }

    public func addReLU(_ a: Storage, _ b: Storage, count: Int, into out: Storage) {
        nonisolated(unsafe) let pa = a.floats, pb = b.floats, d = out.floats
        parallel(count, grain: 131_072) { r in
            let zero = Float32x16()
            var i = r.lowerBound
            while i + 16 <= r.upperBound {
                var v = load16(pa + i) + load16(pb + i)
                v.replace(with: zero, where: v .< zero)
                store16(v, d + i)
                i += 16
            }
            while i < r.upperBound {
                let v = pa[i] + pb[i]
                d[i] = v < 0 ? 0 : v
                i += 1
            }
        }
    }
}
