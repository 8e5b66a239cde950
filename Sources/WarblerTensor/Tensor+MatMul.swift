// Matrix products through the backend's GEMM (OpenBLAS on the CPU).
import Foundation

extension Tensor {
    /// a: [.., M, K] x b: [.., K, N] -> [.., M, N]. Batch dimensions must be equal, or one
    /// side 2-D (shared by every batch). Matches torch.matmul for these cases.
    public func matmul(_ other: Tensor) throws -> Tensor {
        let a = self, b = other
        try a.checkSameDevice(b, "matmul")
        guard a.rank >= 2, b.rank >= 2 else { throw TensorError("matmul", "needs matrices, got \(a.shape) and \(b.shape)") }
        let k = a.shape[-1], k2 = b.shape[-2]
        guard k == k2 else { throw TensorError("matmul", "shapes \(a.shape) and \(b.shape): inner dimensions \(k) and \(k2) differ") }
        let aBatch = Array(a.shape.dims.dropLast(2)), bBatch = Array(b.shape.dims.dropLast(2))
        let batchDims: [Int]
        if aBatch == bBatch || bBatch.isEmpty {
            batchDims = aBatch
        } else if aBatch.isEmpty {
            batchDims = bBatch
        } else {
            throw TensorError("matmul", "batch dimensions of \(a.shape) and \(b.shape) differ")
        }
        let out = try Tensor.product(a, transposed: false, b, transposed: false, batchDims: batchDims)
        return out.recording("matmul", [a, b]) { g in
            // dA = g B^T, dB = A^T g, through GEMM's transpose flags (no transposed copies).
            [
                a.requiresGrad ? try Tensor.product(g, transposed: false, b, transposed: true, batchDims: batchDims).summed(to: a.shape) : nil,
                b.requiresGrad ? try Tensor.product(a, transposed: true, g, transposed: false, batchDims: batchDims).summed(to: b.shape) : nil,
            ]
        }
    }

    /// op(a) op(b) for a: [.., M, K] (or [.., K, M] when transposed), b likewise, where either
    /// side may be 2-D and shared by every batch; result [batchDims.., M, N]. No graph recorded.
    static func product(_ a: Tensor, transposed ta: Bool, _ b: Tensor, transposed tb: Bool, batchDims: [Int]) throws -> Tensor {
        let m = ta ? a.shape[-1] : a.shape[-2]
        let k = ta ? a.shape[-2] : a.shape[-1]
        let n = tb ? b.shape[-2] : b.shape[-1]
        let batch = batchDims.reduce(1, *)
        let out = Tensor.empty(Shape(batchDims + [m, n]), on: a.backend)
        a.backend.gemm(
            transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1,
            a: a.storage, aOffset: 0, aBatchStride: a.rank == 2 ? 0 : m * k,
            b: b.storage, bOffset: 0, bBatchStride: b.rank == 2 ? 0 : k * n,
            beta: 0, c: out.storage, cOffset: 0, cBatchStride: m * n, batch: batch)
        return out
    }

    /// x: [.., in] with weight [out, in] and bias [out] -> [.., out]. torch.nn.functional.linear.
    public func linear(weight: Tensor, bias: Tensor?) throws -> Tensor {
        guard weight.rank == 2, shape[-1] == weight.shape[1] else {
            throw TensorError("linear", "input \(shape) does not match weight \(weight.shape) ([out, in])")
        }
        try checkSameDevice(weight, "linear")
        let flat = try reshaped(-1, shape[-1])
        // x W^T through GEMM's transpose flag: no transposed copy of the weight (a GRU's
        // [1536, 2048] input weight copied per call cost more than the product itself).
        var y = try Tensor.product(flat, transposed: false, weight, transposed: true, batchDims: [])
            .recording("linear", [flat, weight]) { g in
                // dX = g W: [N, out] x [out, in]; dW = g^T X: [out, N] x [N, in].
                [
                    flat.requiresGrad ? try Tensor.product(g, transposed: false, weight, transposed: false, batchDims: []) : nil,
                    weight.requiresGrad ? try Tensor.product(g, transposed: true, flat, transposed: false, batchDims: []) : nil,
                ]
            }
        if let bias {
            guard bias.shape == Shape([weight.shape[0]]) else { throw TensorError("linear", "bias \(bias.shape) for weight \(weight.shape)") }
            y = try y + bias
        }
        return try y.reshaped(Shape(Array(shape.dims.dropLast()) + [weight.shape[0]]))
    }
}
