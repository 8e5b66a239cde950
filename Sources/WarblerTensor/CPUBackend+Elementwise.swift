// CPU elementwise primitives: unary maps, broadcasting binary ops, strided gather/scatter.
import Foundation

extension CPUBackend {
    public func unary(_ op: UnaryOp, _ x: Storage, into out: Storage) {
        nonisolated(unsafe) let s = x.floats, d = out.floats
        // exp, sigmoid and tanh are VectorMath's (the same arithmetic for every element, in a
        // vector or in the padded tail) at ~0.8-1 ns an element on one core, so a worker gets
        // 128K of them (~100 us); the others keep the backend's default grain.
        let grain: Int
        switch op {
        case .exp, .sigmoid, .tanh: grain = 131_072
        default: grain = 65_536
        }
        parallel(x.count, grain: grain) { r in
            switch op {
            case .neg: for i in r { d[i] = -s[i] }
            case .exp: VectorMath.map(s + r.lowerBound, d + r.lowerBound, count: r.count) { VectorMath.exp($0) }
            case .log: for i in r { d[i] = Foundation.log(s[i]) }
            case .sqrt: for i in r { d[i] = s[i].squareRoot() }
            case .abs: for i in r { d[i] = Swift.abs(s[i]) }
            case .relu: for i in r { d[i] = s[i] > 0 ? s[i] : (s[i].isNaN ? s[i] : 0) }
            case .sigmoid: VectorMath.map(s + r.lowerBound, d + r.lowerBound, count: r.count) { VectorMath.sigmoid($0) }
            case .tanh: VectorMath.map(s + r.lowerBound, d + r.lowerBound, count: r.count) { VectorMath.tanh($0) }
            case .square: for i in r { d[i] = s[i] * s[i] }
            case .scale(let a): for i in r { d[i] = s[i] * a }
            case .addScalar(let a): for i in r { d[i] = s[i] + a }
            case .clamp(let lo, let hi):
                for i in r {
                    var v = s[i]
                    if let lo, v < lo { v = lo }
                    if let hi, v > hi { v = hi }
                    d[i] = v
                }
            case .pow(let p): for i in r { d[i] = Foundation.pow(s[i], p) }
            case .positiveMask: for i in r { d[i] = s[i] > 0 ? 1 : 0 }
            }
        }
    }

    public func binary(
        _ op: BinaryOp, _ a: Storage, strides aStrides: [Int], _ b: Storage, strides bStrides: [Int],
        shape: Shape, into out: Storage
    ) {
        nonisolated(unsafe) let pa = a.floats, pb = b.floats, d = out.floats
        let count = shape.count
        guard count > 0 else { return }
        @inline(__always) func apply(_ x: Float, _ y: Float) -> Float {
            switch op {
            case .add: return x + y
            case .sub: return x - y
            case .mul: return x * y
            case .div: return x / y
            case .maximum: return x.isNaN || y.isNaN ? .nan : Swift.max(x, y)
            case .minimum: return x.isNaN || y.isNaN ? .nan : Swift.min(x, y)
            case .equalMask: return x == y ? 1 : 0
            }
        }
        let contiguous = shape.strides
        if aStrides == contiguous && bStrides == contiguous {
            parallel(count) { r in
                // One loop per op, so each vectorises (a switch inside the loop may not be hoisted).
                let n = r.count, x = pa + r.lowerBound, y = pb + r.lowerBound, z = d + r.lowerBound
                switch op {
                case .add: for i in 0..<n { z[i] = x[i] + y[i] }
                case .sub: for i in 0..<n { z[i] = x[i] - y[i] }
                case .mul: for i in 0..<n { z[i] = x[i] * y[i] }
                case .div: for i in 0..<n { z[i] = x[i] / y[i] }
                default: for i in 0..<n { z[i] = apply(x[i], y[i]) }
                }
            }
            return
        }
        // Row by row over the last dimension; outer indices walk the other dimensions (merged
        // where both operands step through them as one, so rows are as long as they can be).
        let (dims, merged) = CPUBackend.collapsed(shape.dims, [aStrides, bStrides])
        let (shape, aStrides, bStrides) = (Shape(dims), merged[0], merged[1])
        let rank = shape.rank
        let inner = shape.dims[rank - 1]
        let sa = aStrides[rank - 1], sb = bStrides[rank - 1]
        let rows = count / inner
        parallel(rows, grain: max(1, 65_536 / inner)) { r in
            for row in r {
                var rem = row, oa = 0, ob = 0
                for dim in stride(from: rank - 2, through: 0, by: -1) {
                    let idx = rem % shape.dims[dim]
                    rem /= shape.dims[dim]
                    oa += idx * aStrides[dim]
                    ob += idx * bStrides[dim]
                }
                let o = row * inner
                if sa == 1 && sb == 1 {
                    let x = pa + oa, y = pb + ob, z = d + o
                    switch op {
                    case .add: for j in 0..<inner { z[j] = x[j] + y[j] }
                    case .sub: for j in 0..<inner { z[j] = x[j] - y[j] }
                    case .mul: for j in 0..<inner { z[j] = x[j] * y[j] }
                    case .div: for j in 0..<inner { z[j] = x[j] / y[j] }
                    default: for j in 0..<inner { z[j] = apply(x[j], y[j]) }
                    }
                } else if sa == 1 && sb == 0 {
                    let y = pb[ob], x = pa + oa, z = d + o
                    switch op {
                    case .add: for j in 0..<inner { z[j] = x[j] + y }
                    case .sub: for j in 0..<inner { z[j] = x[j] - y }
                    case .mul: for j in 0..<inner { z[j] = x[j] * y }
                    case .div: for j in 0..<inner { z[j] = x[j] / y }
                    default: for j in 0..<inner { z[j] = apply(x[j], y) }
                    }
                } else if sa == 0 && sb == 1 {
                    let x = pa[oa], y = pb + ob, z = d + o
                    switch op {
                    case .add: for j in 0..<inner { z[j] = x + y[j] }
                    case .sub: for j in 0..<inner { z[j] = x - y[j] }
                    case .mul: for j in 0..<inner { z[j] = x * y[j] }
                    case .div: for j in 0..<inner { z[j] = x / y[j] }
                    default: for j in 0..<inner { z[j] = apply(x, y[j]) }
                    }
                } else {
                    for j in 0..<inner { d[o + j] = apply(pa[oa + j * sa], pb[ob + j * sb]) }
                }
            }
        }
    }

    public func gather(_ x: Storage, offset: Int, strides: [Int], shape: Shape, into out: Storage) {
        nonisolated(unsafe) let s = x.floats, d = out.floats
        let count = shape.count
        guard count > 0 else { return }
        let rank = shape.rank
        if rank == 0 { d[0] = s[offset]; return }
        // A plain copy (contiguous source): one memcpy, no index arithmetic and no thread hop.
        if strides == shape.strides {
            d.update(from: s + offset, count: count)
            return
        }
        // A broadcast of one element (the gradient of a full sum): a fill.
        if strides.allSatisfy({ $0 == 0 }) {
            d.update(repeating: s[offset], count: count)
            return
        }
        let (dims, merged) = CPUBackend.collapsed(shape.dims, [strides])
        let (shape, strides) = (Shape(dims), merged[0])
        let inner = shape.dims[shape.rank - 1], si = strides[shape.rank - 1]
        parallel(count / inner, grain: max(1, 65_536 / inner)) { r in
            for row in r {
                var rem = row, o = offset
                for dim in stride(from: shape.rank - 2, through: 0, by: -1) {
                    o += (rem % shape.dims[dim]) * strides[dim]
                    rem /= shape.dims[dim]
                }
                let base = row * inner
                if si == 1 {
                    (d + base).update(from: s + o, count: inner)
                } else if si == 0 {
                    (d + base).update(repeating: s[o], count: inner)
                } else {
                    for j in 0..<inner { d[base + j] = s[o + j * si] }
                }
            }
        }
    }

    public func scatterAdd(_ x: Storage, shape: Shape, into out: Storage, offset: Int, strides: [Int]) {
        // Serial: targets may repeat (broadcast strides of 0), so workers could collide.
        let s = x.floats, d = out.floats
        let count = shape.count
        guard count > 0 else { return }
        let rank = shape.rank
        if rank == 0 { d[offset] += s[0]; return }
        let inner = shape.dims[rank - 1], si = strides[rank - 1]
        for row in 0..<count / inner {
            var rem = row, o = offset
            for dim in stride(from: rank - 2, through: 0, by: -1) {
                o += (rem % shape.dims[dim]) * strides[dim]
                rem /= shape.dims[dim]
            }
            let base = row * inner
            for j in 0..<inner { d[o + j * si] += s[base + j] }
        }
    }

    /// `dims` with size-1 dimensions dropped and each pair of neighbours merged where every
    /// operand's strides step through the pair as through one dimension (stride[i] =
    /// stride[i + 1] * dims[i + 1], which holds for broadcast strides of 0 too): the same
    /// elements in the same order, walked as fewer, longer rows. At least one dimension remains.
    static func collapsed(_ dims: [Int], _ strides: [[Int]]) -> ([Int], [[Int]]) {
        var outDims: [Int] = []
        var outStrides = [[Int]](repeating: [], count: strides.count)
        for d in dims.indices where dims[d] != 1 {
            if let last = outDims.last, strides.indices.allSatisfy({ outStrides[$0].last! == strides[$0][d] * dims[d] }) {
                outDims[outDims.count - 1] = last * dims[d]
                for k in strides.indices { outStrides[k][outStrides[k].count - 1] = strides[k][d] }
            } else {
                outDims.append(dims[d])
                for k in strides.indices { outStrides[k].append(strides[k][d]) }
            }
        }
        if outDims.isEmpty { return ([1], strides.map { _ in [0] }) }
        return (outDims, outStrides)
    }
}
