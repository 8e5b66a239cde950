// The CPU backend's large GEMMs run on oneDNN's matmul: every transposition, broadcast batch,
// offset, alpha and beta the backend accepts, in both orientations of A B^T, against a float64 reference.
import Foundation
import XCTest
@testable import WarblerTensor

final class GEMMPathTests: XCTestCase {
    /// Uniform values in [-1, 1) from a simple seeded generator.
    private func values(_ n: Int, seed: UInt64) -> [Float] {
        var s = seed &* 6_364_136_223_846_793_005 &+ 1
        return (0..<n).map { _ in
            s = s &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: s >> 11) % 2_000_000) / 1_000_000 - 1
        }
    }

    func testLargeGEMMsMatchAFloat64Reference() throws {
        let cases = [
            Case(tA: false, tB: true, m: 37, n: 96, k: 70, batch: 1, shareA: false, shareB: false, alpha: 1, beta: 0),  // linear
            Case(tA: false, tB: false, m: 64, n: 33, k: 65, batch: 3, shareA: true, shareB: false, alpha: 1, beta: 1),  // conv: shared weight, += bias
            Case(tA: true, tB: false, m: 48, n: 40, k: 50, batch: 2, shareA: false, shareB: true, alpha: 0.5, beta: 0),  // dW-style
            Case(tA: true, tB: true, m: 41, n: 52, k: 47, batch: 2, shareA: false, shareB: false, alpha: 1, beta: 0.25),
            Case(tA: false, tB: true, m: 1, n: 1536, k: 512, batch: 1, shareA: false, shareB: false, alpha: 1, beta: 0),  // a GRU step
            Case(tA: false, tB: true, m: 16, n: 1536, k: 512, batch: 1, shareA: false, shareB: false, alpha: 1, beta: 0),  // one at batch 16
            Case(tA: false, tB: true, m: 21, n: 300, k: 67, batch: 1, shareA: false, shareB: false, alpha: 0.5, beta: 0.25),
        ]
        // Every case in each orientation of A B^T (CPUBackend+SwappedGEMM.swift; the others ignore it).
        for orientation in GEMMOrientation.allCases {
            try CPUBackend.withGEMMOrientation(orientation) { try checkCases(cases, orientation) }
        }
    }

    private struct Case { let tA: Bool, tB: Bool, m: Int, n: Int, k: Int, batch: Int, shareA: Bool, shareB: Bool, alpha: Float, beta: Float }

    private func checkCases(_ cases: [Case], _ orientation: GEMMOrientation) throws {
        let cpu = Backends.cpu
        for (ci, c) in cases.enumerated() {
            XCTAssertGreaterThanOrEqual(c.m * c.n * c.k * c.batch, CPUBackend.dnnlGEMMThreshold, "case \(ci) must take the oneDNN path")
            let aCount = c.m * c.k, bCount = c.k * c.n, cCount = c.m * c.n
            let offset = 5  // matrices start inside their storage
            let aVals = values(offset + aCount * (c.shareA ? 1 : c.batch), seed: UInt64(ci * 3 + 1))
            let bVals = values(offset + bCount * (c.shareB ? 1 : c.batch), seed: UInt64(ci * 3 + 2))
            let cVals = values(offset + cCount * c.batch, seed: UInt64(ci * 3 + 3))
            let a = cpu.allocate(aVals.count), b = cpu.allocate(bVals.count), out = cpu.allocate(cVals.count)
            aVals.withUnsafeBufferPointer { cpu.copy(from: $0, to: a) }
            bVals.withUnsafeBufferPointer { cpu.copy(from: $0, to: b) }
            cVals.withUnsafeBufferPointer { cpu.copy(from: $0, to: out) }
            cpu.gemm(
                transA: c.tA, transB: c.tB, m: c.m, n: c.n, k: c.k, alpha: c.alpha,
                a: a, aOffset: offset, aBatchStride: c.shareA ? 0 : aCount, b: b, bOffset: offset, bBatchStride: c.shareB ? 0 : bCount,
                beta: c.beta, c: out, cOffset: offset, cBatchStride: cCount, batch: c.batch)
            var got = [Float](repeating: 0, count: cVals.count)
            got.withUnsafeMutableBufferPointer { cpu.copy(from: out, to: $0) }
            XCTAssertEqual(Array(got[0..<offset]), Array(cVals[0..<offset]), "case \(ci) \(orientation): wrote before its offset")
            var worst = 0.0
            for p in 0..<c.batch {
                let ab = offset + (c.shareA ? 0 : p * aCount), bb = offset + (c.shareB ? 0 : p * bCount), cb = offset + p * cCount
                for i in 0..<c.m {
                    for j in 0..<c.n {
                        var sum = 0.0
                        for q in 0..<c.k {
                            let av = aVals[ab + (c.tA ? q * c.m + i : i * c.k + q)]
                            let bv = bVals[bb + (c.tB ? j * c.k + q : q * c.n + j)]
                            sum += Double(av) * Double(bv)
                        }
                        let ref = Double(c.alpha) * sum + Double(c.beta) * Double(cVals[cb + i * c.n + j])
                        worst = max(worst, abs(Double(got[cb + i * c.n + j]) - ref))
                    }
                }
            }
            // Sums of k products of values in [-1, 1]: float32 error well under 1e-6 * k.
            XCTAssertLessThan(worst, 1e-6 * Double(c.k), "case \(ci) \(orientation)")
        }
    }

    func testTheOneDNNPathUsesItsJITKernels() throws {
        let key = DNNLMatMulKey(
            transA: false, transB: true, m: 256, n: 1536, k: 2048, batch: 1,
            aBatchStride: 0, bBatchStride: 0, cBatchStride: 256 * 1536, alpha: 1, beta: 0)
        let name = try XCTUnwrap(DNNLMatMuls.shared.implementation(key))
        XCTAssertFalse(name.contains("ref"), "oneDNN fell back to its reference matmul: \(name)")
    }
}
