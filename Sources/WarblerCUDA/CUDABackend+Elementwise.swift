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

    /// Launches `unary_op` for `op` over `count` floats from `x` to `out` (which may be `x`).
    func launchUnary(_ op: UnaryOp, _ x: CUdeviceptr, into out: CUdeviceptr, count: Int) throws {
        let (code, a, b, flags) = UnaryKernelOp.arguments(of: op)
        try elementwise.launch(
            "unary_op", count: count,
            [
                .pointer(x), .pointer(out), .int64(Int64(count)),
                .int32(code.rawValue), .float(a), .float(b), .int32(flags),
            ])
    }

    public func unary(_ op: UnaryOp, _ x: Storage, into out: Storage) {
        must { try launchUnary(op, ptr(x), into: ptr(out), count: x.count) }
    }

    public func binary(
        _ op: BinaryOp, _ a: Storage, strides aStrides: [Int], _ b: Storage, strides bStrides: [Int],
        shape: Shape, into out: Storage
    ) {
        let code = BinaryKernelOp(op).rawValue
        must {
            try elementwise.launch(
                "binary_op", count: shape.count,
                [
                    .pointer(ptr(a)), .pointer(ptr(b)), .pointer(ptr(out)),
                    .int64(Int64(shape.count)), .int32(code), dims(shape, aStrides, bStrides),
                ])
        }
    }

    public func gather(_ x: Storage, offset: Int, strides: [Int], shape: Shape, into out: Storage) {
        must {
            try elementwise.launch(
                "gather_strided", count: max(1, shape.count),
                [
                    .pointer(ptr(x)), .int64(Int64(offset)), .pointer(ptr(out)),
                    .int64(Int64(shape.count)), dims(shape, strides),
                ])
        }
    }

    public func scatterAdd(_ x: Storage, shape: Shape, into out: Storage, offset: Int, strides: [Int]) {
        must {
            try elementwise.launch(
                "scatter_add", count: max(1, shape.count),
                [
                    .pointer(ptr(x)), .pointer(ptr(out)), .int64(Int64(offset)),
                    .int64(Int64(shape.count)), dims(shape, strides),
                ])
        }
    }

    public func reduce(
        _ op: ReduceOp, _ x: Storage, shape: Shape, axes: Set<Int>, into out: Storage,
        indices: UnsafeMutablePointer<Int>?
    ) {
        precondition(shape.rank <= 8, "CUDA backend: rank \(shape.rank) > 8")
        let strides = shape.strides
        var kept: [Int64] = [], keptStride: [Int64] = [], red: [Int64] = [], redStride: [Int64] = []
        for a in 0..<shape.rank {
            if axes.contains(a) {
                red.append(Int64(shape.dims[a])); redStride.append(Int64(strides[a]))
            } else {
                kept.append(Int64(shape.dims[a])); keptStride.append(Int64(strides[a]))
            }
        }
        func pad(_ v: [Int64]) -> [Int64] { v + [Int64](repeating: 0, count: 8 - v.count) }
        let redCount = red.reduce(1, *)
        let outputs = out.count
        let geometry = KernelArg.bytes([Int64(kept.count)] + pad(kept) + pad(keptStride) + [Int64(red.count)] + pad(red) + pad(redStride) + [redCount])
        let code = ReduceKernelOp(op).rawValue
        must {
            let idx = indices == nil ? nil : try cuda.allocate(floats: 2 * max(1, outputs))
            let idxPtr = KernelArg.pointer(idx?.pointer ?? 0)
            if redCount <= 1024 && outputs >= 1024 || outputs == 0 {
                try elementwise.launch(
                    "reduce_serial", count: outputs,
                    [
                        .pointer(ptr(x)), .pointer(ptr(out)), idxPtr,
                        .int64(Int64(outputs)), .int32(code), geometry,
                    ])
            } else {
                try elementwise.launch(
                    "reduce_block", blocks: (outputs, 1, 1), threads: 256,
                    [
                        .pointer(ptr(x)), .pointer(ptr(out)), idxPtr,
                        .int32(code), geometry,
                    ])
            }
            if let idx, let indices {
                var values = [Int64](repeating: 0, count: outputs)
                try values.withUnsafeMutableBytes { try cuda.download(idx.pointer, to: $0) }
                for i in 0..<outputs { indices[i] = Int(values[i]) }
            }
        }
    }
}
