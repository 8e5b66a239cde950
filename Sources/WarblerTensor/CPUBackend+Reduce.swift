// CPU reductions over any set of axes.
import Foundation

extension CPUBackend {
    public func reduce(
        _ op: ReduceOp, _ x: Storage, shape: Shape, axes: Set<Int>, into out: Storage,
        indices: UnsafeMutablePointer<Int>?
    ) {
        let s = x.floats, d = out.floats
        let outCount = out.count
        switch op {
        case .sum: d.update(repeating: 0, count: outCount)
        case .max: d.update(repeating: -.infinity, count: outCount)
        }
        let count = shape.count
        guard count > 0 else { return }
        if let (outer, length, inner) = CPUBackend.contiguousRun(shape, axes) {
            reduceRun(op, s, outer: outer, length: length, inner: inner, into: d, indices: indices)
            return
        }
        // Output strides in input index space: 0 along reduced axes.
        var outDims = shape.dims
        for a in axes { outDims[a] = 1 }
        let outStrides = Shape(outDims).strides
        let rank = shape.rank
        var stridesIn = [Int](repeating: 0, count: rank)
        for i in 0..<rank { stridesIn[i] = axes.contains(i) ? 0 : outStrides[i] }
        var started = [Bool](repeating: false, count: op == .max ? outCount : 0)
        var index = [Int](repeating: 0, count: rank)
        var o = 0
        for i in 0..<count {
            let v = s[i]
            switch op {
            case .sum:
                d[o] += v
            case .max:
                // The first maximum wins; a NaN wins over everything and stays (as torch.max).
                let cur = d[o]
                if !started[o] || (!cur.isNaN && (v.isNaN || v > cur)) {
                    started[o] = true
                    d[o] = v
                    indices?[o] = i
                }
            }
            var a = rank - 1
            while a >= 0 {
                index[a] += 1
                o += stridesIn[a]
                if index[a] < shape.dims[a] { break }
                o -= stridesIn[a] * index[a]
                index[a] = 0
                a -= 1
            }
        }
    }

    /// When `axes` are consecutive dimensions, the input is [outer, length, inner] with the
    /// reduction along the middle: (outer, length, inner). Nil otherwise.
    static func contiguousRun(_ shape: Shape, _ axes: Set<Int>) -> (Int, Int, Int)? {
        guard let lo = axes.min(), let hi = axes.max(), hi - lo + 1 == axes.count else { return nil }
        let d = shape.dims
        return (d[..<lo].reduce(1, *), d[lo...hi].reduce(1, *), d[(hi + 1)...].reduce(1, *))
    }

    /// The reduction of [outer, length, inner] along the middle. Sums: contiguous runs
    /// (inner 1) in SIMD lanes, cut into pieces of 64K elements whose partial sums are added
    /// afterwards (so one long sum uses every core); otherwise blocks of up to 1,024 outputs,
    /// each accumulated over k ascending (the inner loop runs over independent outputs and
    /// vectorises), split over cores by outer index and output block. Maxima: over `outer`.
    func reduceRun(
        _ op: ReduceOp, _ s: UnsafeMutablePointer<Float>, outer: Int, length: Int, inner: Int,
        into d: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int>?
    ) {
        nonisolated(unsafe) let (src, dst, idx) = (s, d, indices)
        if op == .sum && inner == 1 {
            sumRows(src, rows: outer, length: length, into: dst)
            return
        }
        if op == .sum {
            // Each output adds 64 rows in float, then into a Double: long reductions over a
            // short inner dimension keep float32 precision.
            let block = 1_024, blocks = (inner + block - 1) / block, chunk = 64
            parallel(outer * blocks, grain: max(1, 262_144 / max(1, length * min(inner, block)))) { range in
                let partial = UnsafeMutablePointer<Float>.allocate(capacity: block)
                let total = UnsafeMutablePointer<Double>.allocate(capacity: block)
                defer {
                    partial.deallocate()
                    total.deallocate()
                }
                for task in range {
                    let o = task / blocks, lo = (task % blocks) * block, width = min(inner, lo + block) - lo
                    let base = src + o * length * inner + lo, out = dst + o * inner + lo
                    total.update(repeating: 0, count: width)
                    var k = 0
                    while k < length {
                        let end = min(length, k + chunk)
                        partial.update(from: base + k * inner, count: width)
                        k += 1
                        while k < end {
                            let row = base + k * inner
                            for i in 0..<width { partial[i] += row[i] }
                            k += 1
                        }
                        for i in 0..<width { total[i] += Double(partial[i]) }
                    }
                    for i in 0..<width { out[i] = Float(total[i]) }
                }
            }
            return
        }
        parallel(outer, grain: max(1, 262_144 / max(1, length * inner))) { range in
            for o in range {
                let base = src + o * length * inner, out = dst + o * inner
                switch op {
                case .sum:
                    for k in 0..<length {
                        let row = base + k * inner
                        for i in 0..<inner { out[i] += row[i] }
                    }
                case .max:
                    // The first maximum wins; a NaN wins over everything and stays (as torch.max).
                    for i in 0..<inner {
                        var best = base[i], at = 0
                        if !best.isNaN {
                            for k in 1..<max(length, 1) {
                                let v = base[k * inner + i]
                                if v.isNaN { best = v; at = k; break }
                                if v > best { best = v; at = k }
                            }
                        }
                        out[i] = best
                        idx?[o * inner + i] = (o * length + at) * inner + i
                    }
                }
            }
        }
    }

    /// out[r] = the sum of the `length` contiguous elements of row r, for `rows` rows.
    private func sumRows(_ src: UnsafeMutablePointer<Float>, rows: Int, length: Int, into dst: UnsafeMutablePointer<Float>) {
        let piece = 65_536
        let pieces = (length + piece - 1) / piece
        if pieces <= 1 {
            nonisolated(unsafe) let (s, d) = (src, dst)
            parallel(rows, grain: max(1, 262_144 / max(1, length))) { range in
                for r in range { d[r] = Float(simdSum(s + r * length, length)) }
            }
            return
        }
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: rows * pieces)
        defer { partial.deallocate() }
        nonisolated(unsafe) let (s, p) = (src, partial)
        parallel(rows * pieces, grain: 4) { range in
            for task in range {
                let r = task / pieces, lo = (task % pieces) * piece
                p[task] = simdSum(s + r * length + lo, min(piece, length - lo))
            }
        }
        for r in 0..<rows {
            var total: Double = 0
            for j in 0..<pieces { total += partial[r * pieces + j] }
            dst[r] = Float(total)
        }
    }
}
