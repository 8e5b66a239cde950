// Regression tests for .npy inputs the fuzzer (Fuzz/FuzzNPY) found to crash the reader.
import Foundation
import XCTest
@testable import WarblerIO

final class NPYHostileTests: XCTestCase {
    private func npy(shape: String) -> Data {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        let n = header.utf8.count
        return Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(n & 0xFF), UInt8(n >> 8)]) + Data(header.utf8)
    }

    func testShapeWhoseSizeOverflowsIsRefused() {
        for shape in ["(1099511627776, 1099511627776)", "(4611686018427387904,)", "(3, 3074457345618258603)"] {
            XCTAssertThrowsError(try NPY.parse(npy(shape: shape), path: "x.npy"), shape) { error in
                XCTAssertTrue("\(error)".contains("x.npy"), "\(error)")
            }
        }
    }

    func testHugeShapeWithoutItsDataIsRefusedAsTruncated() {
        XCTAssertThrowsError(try NPY.parse(npy(shape: "(128, 100000000)"), path: "x.npy")) { error in
            XCTAssertTrue("\(error)".contains("x.npy"), "\(error)")
        }
    }
}
