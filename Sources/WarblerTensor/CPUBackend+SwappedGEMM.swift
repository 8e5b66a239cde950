// A B^T (a Linear's x W^T, a GRU step's h W_hh^T) for a few rows of A, as (B A^T)^T.
//
// oneDNN 2.6's matmul (its gemm:jit implementation) slows down sharply once A B^T has 16 or more
// rows, while the same product in the other orientation stays fast. For such shapes the backend
// computes T = B A^T ([n, m]) into a scratch buffer and transposes it into C.
// `usesSwappedProduct` holds the rule (its timings: docs/benchmarks.md, "Engine notes");
// `CPUBackend.withGEMMOrientation` forces either orientation for a scope (tests, benchmarks).
import Foundation

/// How the CPU backend runs a large GEMM of the form A B^T.
public enum GEMMOrientation: String, Sendable, CaseIterable {
    /// The rule in `CPUBackend.usesSwappedProduct`.
    case automatic
    /// A B^T as asked.
    case direct
    /// (B A^T)^T through a scratch buffer.
    case swapped
}

extension CPUBackend {
    @TaskLocal static var gemmOrientation = GEMMOrientation.automatic

    /// Runs `body` with every large A B^T GEMM on this backend taking `orientation` (scoped to
    /// the task or thread, like `withConvolutionPath`).
    public static func withGEMMOrientation<R>(_ orientation: GEMMOrientation, _ body: () throws -> R) rethrows -> R {
        try $gemmOrientation.withValue(orientation) { try body() }
    }

    /// Whether C = A B^T ([m, k] x [n, k]^T, one matrix each, going to oneDNN) is computed as
    /// (B A^T)^T: for 16 <= m <= k / 8 when n >= 256 (the region where the swapped product
    /// measured faster; table in docs/benchmarks.md, "Engine notes"). Below 16 rows oneDNN's own path is as fast; past k / 8 rows the transpose costs more than
    /// the orientation saves; with few columns the swapped product has too few rows.
    func usesSwappedProduct(m: Int, n: Int, k: Int) -> Bool {
        switch CPUBackend.gemmOrientation {
        case .direct: return false
        case .swapped: return true
        case .automatic: return m >= 16 && m <= k / 8 && n >= 256
        }
    }

    /// C = alpha A B^T + beta C as T = alpha B A^T, then C = T^T + beta C; false (nothing
    /// written) when oneDNN has no primitive for it.
    func swappedProduct(
        m: Int, n: Int, k: Int, alpha: Float, a: Storage, aOffset: Int, b: Storage, bOffset: Int,
        beta: Float, c: Storage, cOffset: Int
    ) -> Bool {
        let t = allocate(m * n)
        let key = DNNLMatMulKey(
            transA: false, transB: true, m: n, n: m, k: k, batch: 1, aBatchStride: 0, bBatchStride: 0,
            cBatchStride: m * n, alpha: alpha, beta: 0)
        guard
            DNNLMatMuls.shared.run(
                key, a: UnsafeMutableRawPointer(b.floats + bOffset), b: UnsafeMutableRawPointer(a.floats + aOffset),
                c: UnsafeMutableRawPointer(t.floats), threads: threads)
        else { return false }
        transpose(t.floats, rows: n, columns: m, into: c.floats + cOffset, beta: beta)
        return true
    }

    /// out[j, i] = s[i, j] + beta out[j, i] for s [rows, columns] into out [columns, rows], in
    /// 16 x 16 tiles; out is not read when beta is 0 (it may hold anything, NaN included).
    func transpose(_ s: UnsafeMutablePointer<Float>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>, beta: Float) {
        nonisolated(unsafe) let s = s, d = out
        let tile = 16
        let bands = (columns + tile - 1) / tile
        // ~0.4 ns an element: a worker gets >= 256K of them (~100 us).
        parallel(bands, grain: Swift.max(1, 262_144 / (tile * rows))) { r in
            for band in r {
                let j0 = band * tile, j1 = Swift.min(columns, j0 + tile)
                var i0 = 0
                while i0 < rows {
                    let i1 = Swift.min(rows, i0 + tile)
                    for j in j0..<j1 {
                        let o = d + j * rows
                        if beta == 0 {
                            for i in i0..<i1 { o[i] = s[i * columns + j] }
                        } else {
                            for i in i0..<i1 { o[i] = s[i * columns + j] + beta * o[i] }
                        }
                    }
                    i0 = i1
                }
            }
        }
    }
}
