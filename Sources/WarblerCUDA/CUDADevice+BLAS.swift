// Row-major GEMM on the device through cuBLAS (column-major): C = A B in row-major is
// C^T = B^T A^T in column-major, so the operands are swapped and m/n exchanged; no data moves.
import CCUDA
import Foundation

extension CUDADevice {
    /// C[b] = alpha op(A[b]) op(B[b]) + beta C[b], row-major, for `batch` matrices at the given
    /// device addresses and element strides; op(A) is [m, k], op(B) [k, n], C [m, n].
    func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: CUdeviceptr, aBatchStride: Int, b: CUdeviceptr, bBatchStride: Int,
        beta: Float, c: CUdeviceptr, cBatchStride: Int, batch: Int
    ) throws {
        guard m > 0 && n > 0 && batch > 0 else { return }
        try makeCurrent()
        let lda = max(1, transA ? m : k), ldb = max(1, transB ? k : n), ldc = max(1, n)
        let opA = Int32(transA ? CCUDA_CUBLAS_OP_T : CCUDA_CUBLAS_OP_N)
        let opB = Int32(transB ? CCUDA_CUBLAS_OP_T : CCUDA_CUBLAS_OP_N)
        let pa = UnsafePointer<Float>(bitPattern: UInt(a)), pb = UnsafePointer<Float>(bitPattern: UInt(b))
        let pc = UnsafeMutablePointer<Float>(bitPattern: UInt(c))
        var alpha = alpha, beta = beta
        let blas = libraries.cublas
        let handle = try self.blas()
        if batch == 1 {
            try CUDAError.checkBLAS(
                blas.cublasSgemm(
                    handle, opB, opA, Int32(n), Int32(m), Int32(k), &alpha,
                    pb, Int32(ldb), pa, Int32(lda), &beta, pc, Int32(ldc)),
                "cublasSgemm (\(m)x\(n)x\(k))")
        } else if cBatchStride == 0 {
            // Every batch writes the same C: run them in order so the sums accumulate as on the CPU.
            for i in 0..<batch {
                try gemm(
                    transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                    a: a + CUdeviceptr(i * aBatchStride * 4), aBatchStride: 0,
                    b: b + CUdeviceptr(i * bBatchStride * 4), bBatchStride: 0,
                    beta: beta, c: c, cBatchStride: 0, batch: 1)
            }
        } else {
            try CUDAError.checkBLAS(
                blas.cublasSgemmStridedBatched(
                    handle, opB, opA, Int32(n), Int32(m), Int32(k), &alpha,
                    pb, Int32(ldb), Int64(bBatchStride), pa, Int32(lda), Int64(aBatchStride),
                    &beta, pc, Int32(ldc), Int64(cBatchStride), Int32(batch)),
                "cublasSgemmStridedBatched (\(batch) x \(m)x\(n)x\(k))")
        }
    }
}
