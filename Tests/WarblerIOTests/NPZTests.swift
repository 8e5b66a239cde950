// The .npz writer and reader: the ZIP CRC-32 check value, a round trip of several arrays, the
// archive layout numpy expects (stored members named <name>.npy, end-of-central-directory
// record), refusal of compressed or corrupt archives, and atomic output.
import Foundation
import WarblerIO
import WarblerTestSupport
import XCTest

final class NPZTests: TemporaryDirectoryTestCase {
    override class var directoryPrefix: String { "warbler-npz" }

    func testCRC32CheckValue() {
        XCTAssertEqual(NPZ.crc32(Data("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(NPZ.crc32(Data()), 0)
    }

    func testRoundTripAndLayout() throws {
        let path = dir + "/out.npz"
        let a: [Float] = [1, -2, 3.5, 4, 5, 6]
        let b: [Float] = (0..<24).map { Float($0) / 7 }
        try NPZ.write([("clipwise", a, [2, 3]), ("framewise", b, [2, 4, 3])], to: path)
        let back = try NPZ.read(path)
        XCTAssertEqual(Set(back.keys), ["clipwise", "framewise"])
        XCTAssertEqual(back["clipwise"]?.shape, [2, 3])
        XCTAssertEqual(back["clipwise"]?.floats(), a)
        XCTAssertEqual(back["framewise"]?.shape, [2, 4, 3])
        XCTAssertEqual(back["framewise"]?.floats(), b)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(Array(bytes.prefix(4)), [0x50, 0x4B, 0x03, 0x04], "starts with a ZIP local header")
        XCTAssertEqual(Array(bytes.suffix(22).prefix(4)), [0x50, 0x4B, 0x05, 0x06], "ends with the end-of-central-directory record")
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).contains("clipwise.npy"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["out.npz"], "no temporary file left")
    }

    func testCorruptAndForeignFilesAreRefused() throws {
        let path = dir + "/x.npz"
        try NPZ.write([("a", [1, 2, 3], [3])], to: path)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 22 - 51 - 2] ^= 0xFF  // in the last float, before the central directory (46 + 5 bytes) and the end record (22)
        let bad = dir + "/bad.npz"
        try Data(bytes).write(to: URL(fileURLWithPath: bad))
        XCTAssertThrowsError(try NPZ.read(bad)) { XCTAssertTrue("\($0)".contains("bad.npz"), "\($0)") }
        let text = dir + "/text.npz"
        try Data("hello".utf8).write(to: URL(fileURLWithPath: text))
        XCTAssertThrowsError(try NPZ.read(text)) { XCTAssertTrue("\($0)".contains("not an .npz"), "\($0)") }
        XCTAssertThrowsError(try NPZ.write([("a", [1, 2], [3])], to: dir + "/c.npz"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/c.npz"))
    }
}
