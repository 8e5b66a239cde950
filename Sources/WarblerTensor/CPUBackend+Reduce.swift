// CPU reductions over any set of axes.
import Foundation

extension CPUBackend {
    public func reduce(_ op: ReduceOp, _ x: Storage, shape: Shape, axes: Set<Int>, into out: Storage,
                       indices: UnsafeMutablePointer<Int>?) {
        let s = x.floats, d = out.floats
        let outCount = out.count
        switch op {
        case .sum: d.update(repeating: 0, count: outCount)
        case .max: d.update(repeating: -.infinity, count: outCount)
        }
        let count = shape.count
        guard count > 0 else { return }
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
}
