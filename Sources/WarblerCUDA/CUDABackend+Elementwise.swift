// CUDA elementwise, layout and reduction primitives: unary maps, broadcasting binary ops,
// strided gather and scatter-add, and reductions over any axes (Kernels+Elementwise.swift).
import CCUDA
import Foundation
import WarblerTensor

extension CUDABackend {
    /// Shape and stride vectors as the kernels' `Dims` struct: rank, shape[8], sa[8], sb[8].
    func dims(_ shape: Shape, _ a: [Int], _ b: [Int]? = nil) -> KernelArg {
        precondition(shape.rank <= 8, "CUDA backend: rank \(shape.rank) > 8")
        func pad(_ v: [Int]) -> [Int64] { v.map(Int64.init) + [Int64](repeating: 0, count: 8 - v.count) }
        return .bytes([Int64(shape.rank)] + pad(shape.dims) + pad(a) + pad(b ?? a))
    }

    public func unary(_ op: UnaryOp, _ x: Storage, into out: Storage) {
        var code: Int32 = 0, a: Float = 0, b: Float = 0, flags: Int32 = 0
        switch op {
        case .neg: code = 0
        case .exp: code = 1
        case .log: code = 2
        case .sqrt: code = 3
        case .abs: code = 4
        case .relu: code = 5
        case .sigmoid: code = 6
        case .tanh: code = 7
        case .square: code = 8
        case .scale(let s): code = 9; a = s
        case .addScalar(let s): code = 10; a = s
        case .clamp(let lo, let hi):
            code = 11
            if let lo { a = lo; flags |= 1 }
            if let hi { b = hi; flags |= 2 }
        case .pow(let p): code = 12; a = p
        case .positiveMask: code = 13
        }
        must {
            try elementwise.launch("unary_op", count: x.count, [.pointer(ptr(x)), .pointer(ptr(out)), .int64(Int64(x.count)),
                                                                .int32(code), .float(a), .float(b), .int32(flags)])
        }
    }

    public func binary(_ op: BinaryOp, _ a: Storage, strides aStrides: [Int], _ b: Storage, strides bStrides: [Int],
                       shape: Shape, into out: Storage) {
        let code: Int32
        switch op {
        case .add: code = 0
        case .sub: code = 1
        case .mul: code = 2
        case .div: code = 3
        case .maximum: code = 4
        case .minimum: code = 5
        case .equalMask: code = 6
        }
        must {
            try elementwise.launch("binary_op", count: shape.count, [.pointer(ptr(a)), .pointer(ptr(b)), .pointer(ptr(out)),
                                                                     .int64(Int64(shape.count)), .int32(code), dims(shape, aStrides, bStrides)])
        }
    }

    public func gather(_ x: Storage, offset: Int, strides: [Int], shape: Shape, into out: Storage) {
        must {
            try elementwise.launch("gather_strided", count: max(1, shape.count), [.pointer(ptr(x)), .int64(Int64(offset)), .pointer(ptr(out)),
                                                                                  .int64(Int64(shape.count)), dims(shape, strides)])
        }
    }

    public func scatterAdd(_ x: Storage, shape: Shape, into out: Storage, offset: Int, strides: [Int]) {
        must {
            try elementwise.launch("scatter_add", count: max(1, shape.count), [.pointer(ptr(x)), .pointer(ptr(out)), .int64(Int64(offset)),
                                                                               .int64(Int64(shape.count)), dims(shape, strides)])
        }
    }

    public func reduce(_ op: ReduceOp, _ x: Storage, shape: Shape, axes: Set<Int>, into out: Storage,
                       indices: UnsafeMutablePointer<Int>?) {
        precondition(shape.rank <= 8, "CUDA backend: rank \(shape.rank) > 8")
        let strides = shape.strides
        var kept: [Int64] = [], keptStride: [Int64] = [], red: [Int64] = [], redStride: [Int64] = []
        for a in 0..<shape.rank {
            if axes.contains(a) { red.append(Int64(shape.dims[a])); redStride.append(Int64(strides[a])) }
            else { kept.append(Int64(shape.dims[a])); keptStride.append(Int64(strides[a])) }
        }
        func pad(_ v: [Int64]) -> [Int64] { v + [Int64](repeating: 0, count: 8 - v.count) }
        let redCount = red.reduce(1, *)
        let outputs = out.count
        let geometry = KernelArg.bytes([Int64(kept.count)] + pad(kept) + pad(keptStride) + [Int64(red.count)] + pad(red) + pad(redStride) + [redCount])
        let code: Int32 = op == .sum ? 0 : 1
        must {
            let idx = indices == nil ? nil : try cuda.allocate(floats: 2 * max(1, outputs))
            let idxPtr = KernelArg.pointer(idx?.pointer ?? 0)
            if redCount <= 1024 && outputs >= 1024 || outputs == 0 {
                try elementwise.launch("reduce_serial", count: outputs, [.pointer(ptr(x)), .pointer(ptr(out)), idxPtr,
                                                                         .int64(Int64(outputs)), .int32(code), geometry])
            } else {
                try elementwise.launch("reduce_block", blocks: (outputs, 1, 1), threads: 256, [.pointer(ptr(x)), .pointer(ptr(out)), idxPtr,
                                                                                             .int32(code), geometry])
            }
            if let idx, let indices {
                var values = [Int64](repeating: 0, count: outputs)
                try values.withUnsafeMutableBytes { try cuda.download(idx.pointer, to: $0) }
                for i in 0..<outputs { indices[i] = Int(values[i]) }
            }
        }
    }
}
