// The tuned CPU backend against the plain ReferenceBackend: every primitive on random inputs
// (BackendParity: odd shapes, and shapes that select each tuned path), under every forced
// convolution path and GEMM orientation as well as the automatic rules. The CUDA backend runs
// the same cases against the reference in WarblerCUDATests (DeviceParityTests).
import Foundation
import WarblerTensor
import WarblerTestSupport
import XCTest

final class ReferenceParityTests: XCTestCase {
    func assertParity(_ label: String, file: StaticString = #filePath, line: UInt = #line) {
        var cases = BackendParity(reference: ReferenceBackend(), candidate: Backends.cpu)
        let results = cases.all()
        XCTAssertGreaterThan(results.count, 100, "every primitive should have cases", file: file, line: line)
        for r in results { XCTAssertTrue(r.passed, "\(label): \(r)", file: file, line: line) }
    }

    func testCPUBackendMatchesTheReference() {
        assertParity("automatic paths")
    }

    func testEveryConvolutionPathMatchesTheReference() {
        for path in ConvolutionPath.allCases where path != .automatic {
            CPUBackend.withConvolutionPath(path) { assertParity("convolution path \(path)") }
        }
    }

    func testEveryGEMMOrientationMatchesTheReference() {
        for orientation in GEMMOrientation.allCases where orientation != .automatic {
            CPUBackend.withGEMMOrientation(orientation) { assertParity("GEMM \(orientation)") }
        }
    }

    /// The harness catches a wrong result and an output left unwritten: a backend that is the
    /// reference except for one primitive fails exactly that primitive's cases.
    func testABrokenPrimitiveFails() {
        final class Broken: ForwardingBackend, @unchecked Sendable {
            override func unary(_ op: UnaryOp, _ x: Storage, into out: Storage) {
                // tanh off by a little; square never written.
                if case .square = op { return }
                base.unary(op, x, into: out)
                if case .tanh = op { base.unary(.scale(1.001), out, into: out) }
            }
        }
        var cases = BackendParity(reference: ReferenceBackend(), candidate: Broken(ReferenceBackend()))
        let failed = cases.all().filter { !$0.passed }.map(\.name)
        XCTAssertTrue(failed.contains("unary square"), "\(failed)")
        XCTAssertTrue(failed.contains("unary tanh"), "\(failed)")
        XCTAssertFalse(failed.contains { $0.hasPrefix("gemm") || $0.hasPrefix("conv2d") || $0.hasPrefix("unary exp") }, "\(failed)")
    }

    /// The tensor-level model (ops, autograd) on the tuned CPU backend against the same model run
    /// on the reference backend (`Backends.withHostBackend`).
    func testTensorOpsOnTheReferenceBackendMatchTheCPU() throws {
        func run() throws -> [[Float]] {
            let x = try Tensor((0..<2 * 3 * 9 * 8).map { Float(($0 * 37) % 23) / 11 - 1 }, shape: [2, 3, 9, 8], requiresGrad: true)
            let w = try Tensor((0..<4 * 3 * 3 * 3).map { Float(($0 * 17) % 13) / 20 - 0.3 }, shape: [4, 3, 3, 3], requiresGrad: true)
            let y = try x.conv2d(weight: w, bias: nil, padding: (1, 1)).relu().maxPool2d(kernel: (2, 2))
            let loss = try y.square().sum()
            try loss.backward()
            return [loss.toArray(), y.toArray(), x.grad!.toArray(), w.grad!.toArray()]
        }
        let reference = try Backends.withHostBackend(ReferenceBackend()) { try run() }
        let cpu = try run()
        for (r, c) in zip(reference, cpu) {
            let d = Disagreement(c, r, atol: 1e-4, rtol: 1e-4)
            XCTAssertEqual(d.violations, 0, "\(d)")
        }
    }
}
