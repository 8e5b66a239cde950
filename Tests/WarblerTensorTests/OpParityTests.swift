// Every op's forward output and input gradients against PyTorch 2.11 (CPU, float32) on the
// fixtures of tools/fixtures/ops.py (OpFixtures in WarblerTestSupport, which also runs them on
// every CUDA device in WarblerCUDATests), on the tuned CPU backend and on the ReferenceBackend.
import Foundation
import WarblerTensor
import WarblerTestSupport
import XCTest

final class OpParityTests: XCTestCase {
    func testEveryOpMatchesPyTorch() throws {
        XCTAssertGreaterThan(try OpFixtures.check(on: .cpu), 70)
    }

    func testEveryOpMatchesPyTorchOnTheReferenceBackend() throws {
        XCTAssertGreaterThan(try Backends.withHostBackend(ReferenceBackend()) { try OpFixtures.check(on: .cpu) }, 70)
    }
}
