// An .npy header's shape is untrusted (issue 12): it is checked against the bytes really in the
// file with overflow-safe arithmetic, so a hostile shape is refused instead of trapping.
import Foundation
import XCTest
@testable import WarblerIO

final class NPYShapeTests: XCTestCase {
    /// An .npy with `shape` in its header and `dataBytes` bytes of float32 data.
    func file(shape: String, dataBytes: Int) -> Data {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var d = Data(NPY.magic + [1, 0])
        d.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        d.append(Data(header.utf8))
        d.append(Data(count: dataBytes))
        return d
    }

    func expectRefused(_ data: Data, mentioning word: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try NPY.parse(data, path: "x.npy"), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("x.npy: "), text, file: file, line: line)
            XCTAssertTrue(text.contains(word), text, file: file, line: line)
        }
    }

    func testHugeShapesAreRefusedWithoutOverflow() {
        expectRefused(file(shape: "(1099511627776, 1099511627776)", dataBytes: 64), mentioning: "shape")
        expectRefused(file(shape: "(9223372036854775807,)", dataBytes: 64), mentioning: "shape")
        expectRefused(file(shape: "(4611686018427387904, 2, 2)", dataBytes: 64), mentioning: "shape")
        // Plausible but larger than the file: truncated data, not an allocation.
        expectRefused(file(shape: "(1000, 1000)", dataBytes: 64), mentioning: "bytes")
    }

    func testHonestShapesStillRead() throws {
        XCTAssertEqual(try NPY.parse(file(shape: "(4, 4)", dataBytes: 64)).shape, [4, 4])
        XCTAssertEqual(try NPY.parse(file(shape: "(0, 1099511627776)", dataBytes: 0)).count, 0)
    }
}
