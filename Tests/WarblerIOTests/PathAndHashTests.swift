// SHA-256 against the test vectors of FIPS 180-2 (and a file hashed in blocks), and PathText's
// parent folder for the one-character paths that crash Foundation's deletingLastPathComponent.
import Foundation
import XCTest
@testable import WarblerIO

final class PathAndHashTests: XCTestCase {
    func testSHA256MatchesTheStandardsVectors() throws {
        XCTAssertEqual(SHA256.hex([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // One million 'a', in a file read in 1 MiB blocks (and across block boundaries).
        let path = NSTemporaryDirectory() + "warbler-sha-\(getpid())"
        try Data(repeating: UInt8(ascii: "a"), count: 1_000_000).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try SHA256.file(path), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        var pieces = SHA256()
        for n in [1, 63, 64, 65, 999_807] { pieces.update([UInt8](repeating: UInt8(ascii: "a"), count: n)) }
        XCTAssertEqual(pieces.finish(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        XCTAssertThrowsError(try SHA256.file(path + "-missing")) { XCTAssertTrue("\($0)".contains("-missing"), "\($0)") }
    }

    func testParentFolderOfAnyPath() {
        for (path, parent) in [
            ("o", ""), (".", ""), ("o/", ""), ("ab", ""), ("a/b", "a"), ("a/b/", "a"), ("/o", "/"), ("/", "/"),
            ("a//b", "a"), ("/x/y/z.wav", "/x/y"), ("", ""),
        ] {
            XCTAssertEqual(PathText.parent(path), parent, "parent of '\(path)'")
        }
    }
}
