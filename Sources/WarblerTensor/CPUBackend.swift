// The CPU backend: pooled host memory, oneDNN's matmul for large GEMMs (OpenBLAS for small
// ones; CPUBackend+SwappedGEMM.swift for A B^T with few rows), VectorMath for exp, sigmoid and
// tanh, and plain loops (auto-vectorised, split over cores when a worker gets ~100 us of work)
// for everything else. It is tested against the plain ReferenceBackend, and is what a GPU's
// results are compared with by `warbler devices --check` (DeviceParity).
import CBLAS
import Foundation

public final class CPUBackend: Backend, @unchecked Sendable {
    public let device = Device.cpu
    /// Worker count for large elementwise work and for OpenBLAS.
    public let threads: Int

    /// One worker per core, or WARBLER_THREADS (a positive integer) when set.
    init() {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        threads = ProcessInfo.processInfo.environment["WARBLER_THREADS"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } ?? cores
        openblas_set_num_threads(Int32(threads))
    }

    /// Where storage comes from: freed buffers are reused by size (HostMemoryPool.swift), up to
    /// a quarter of physical memory.
    public let pool = HostMemoryPool(capacity: Int(ProcessInfo.processInfo.physicalMemory / 4))

    public func allocate(_ count: Int) -> Storage {
        let (raw, size) = pool.allocate(bytes: count * 4)
        let pool = pool
        return Storage(device: .cpu, count: count, raw: raw, release: { pool.release($0, size: size) })
    }

    public func copy(from host: UnsafeBufferPointer<Float>, to storage: Storage) {
        precondition(host.count == storage.count, "copy: \(host.count) values into storage of \(storage.count)")
        if let base = host.baseAddress { storage.floats.update(from: base, count: host.count) }
    }

    public func copy(from storage: Storage, to host: UnsafeMutableBufferPointer<Float>) {
        precondition(host.count == storage.count, "copy: storage of \(storage.count) into \(host.count) values")
        if let base = host.baseAddress { base.update(from: storage.floats, count: host.count) }
    }

    public func fill(_ storage: Storage, with value: Float) {
        storage.floats.update(repeating: value, count: storage.count)
    }

    /// Runs `body` over `0..<count` in contiguous ranges, in parallel when each worker gets at
    /// least `grain` items (work under ~100 us per chunk is not worth a thread hop).
    func parallel(_ count: Int, grain: Int = 65_536, _ body: (Range<Int>) -> Void) {
        let workers = min(threads, count / grain)
        if workers <= 1 {
            body(0..<count)
            return
        }
        let per = (count + workers - 1) / workers
        // The workers write disjoint ranges of raw buffers; the closure is not escaping.
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let work = body
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = w * per
                let hi = min(count, lo + per)
                if lo < hi { work(lo..<hi) }
            }
        }
    }

    /// GEMMs of at least this many multiply-adds go to oneDNN's matmul (DNNLMatMul.swift);
    /// smaller ones to OpenBLAS, whose call costs less than a primitive's.
    static let dnnlGEMMThreshold = 1 << 16

    public func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: Storage, aOffset: Int, aBatchStride: Int, b: Storage, bOffset: Int, bBatchStride: Int,
        beta: Float, c: Storage, cOffset: Int, cBatchStride: Int, batch: Int
    ) {
        if m * n * k * batch >= CPUBackend.dnnlGEMMThreshold, batch == 1, !transA, transB,
            usesSwappedProduct(m: m, n: n, k: k),
            swappedProduct(
                m: m, n: n, k: k, alpha: alpha, a: a, aOffset: aOffset, b: b, bOffset: bOffset,
                beta: beta, c: c, cOffset: cOffset)
        {
            return
        }
        if m * n * k * batch >= CPUBackend.dnnlGEMMThreshold, m > 0, n > 0, k > 0, batch > 0,
            cBatchStride >= m * n || batch == 1,
            DNNLMatMuls.shared.run(
                DNNLMatMulKey(
                    transA: transA, transB: transB, m: m, n: n, k: k, batch: batch,
                    aBatchStride: batch == 1 ? 0 : aBatchStride,
                    bBatchStride: batch == 1 ? 0 : bBatchStride,
                    cBatchStride: batch == 1 ? m * n : cBatchStride, alpha: alpha, beta: beta),
                a: UnsafeMutableRawPointer(a.floats + aOffset), b: UnsafeMutableRawPointer(b.floats + bOffset),
                c: UnsafeMutableRawPointer(c.floats + cOffset), threads: threads)
        {
            return
        }
        let lda = transA ? m : k
        let ldb = transB ? k : n
        for i in 0..<batch {
            cblas_sgemm(
                CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha,
                a.floats + aOffset + i * aBatchStride, Int32(max(1, lda)),
                b.floats + bOffset + i * bBatchStride, Int32(max(1, ldb)),
                beta, c.floats + cOffset + i * cBatchStride, Int32(max(1, n)))
        }
    }
}
