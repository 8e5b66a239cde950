// FileSystemErrors: Foundation's file errors (as Foundation on Linux really throws them) become
// "PATH: plain cause", never "The operation could not be completed ...".
import Foundation
import WarblerIO
import WarblerTestSupport
import XCTest

final class FileSystemErrorsTests: TemporaryDirectoryTestCase {
    override class var directoryPrefix: String { "warbler-fserr" }

    private func thrown(_ body: () throws -> Void) -> Error? {
        do { try body() } catch { return error }
        return nil
    }

    func testRealFoundationErrors() throws {
        let missing = dir + "/missing.bin"
        let noFile = try XCTUnwrap(thrown { _ = try Data(contentsOf: URL(fileURLWithPath: missing)) })
        XCTAssertEqual(FileSystemErrors.describe(noFile), "\(missing): no such file or folder")

        let folder = try XCTUnwrap(thrown { _ = try Data(contentsOf: URL(fileURLWithPath: self.dir)) })
        XCTAssertEqual(FileSystemErrors.describe(folder), "\(dir!): is a folder, not a file")

        let file = dir + "/file"
        FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        let under = try XCTUnwrap(thrown { try FileManager.default.createDirectory(atPath: file + "/sub", withIntermediateDirectories: true) })
        XCTAssertEqual(FileSystemErrors.describe(under), "\(file)/sub: a part of the path is a file, not a folder")

        // Memory-mapping a folder fails without an errno in the error: the path is looked at.
        let mapped = try XCTUnwrap(thrown { _ = try Data(contentsOf: URL(fileURLWithPath: self.dir), options: .alwaysMapped) })
        XCTAssertEqual(FileSystemErrors.describe(mapped), "\(dir!): is a folder, not a file")

        let attributes = try XCTUnwrap(thrown { _ = try FileManager.default.attributesOfItem(atPath: missing) })
        XCTAssertEqual(FileSystemErrors.cause(of: attributes), "no such file or folder")

        // /dev/full fails every write with ENOSPC, as a full disk does.
        if FileManager.default.fileExists(atPath: "/dev/full") {
            let full = try XCTUnwrap(thrown { try Data(count: 16).write(to: URL(fileURLWithPath: "/dev/full")) })
            XCTAssertEqual(FileSystemErrors.describe(full), "/dev/full: no space left on the device (disk full)")
        }
    }

    func testErrorsWithoutAnUnderlyingErrno() {
        XCTAssertEqual(FileSystemErrors.cause(of: CocoaError(.fileWriteOutOfSpace)), "no space left on the device (disk full)")
        XCTAssertEqual(FileSystemErrors.cause(of: CocoaError(.fileReadNoPermission)), "permission denied")
        XCTAssertEqual(FileSystemErrors.cause(of: CocoaError(.fileWriteVolumeReadOnly)), "read-only file system")
        XCTAssertEqual(FileSystemErrors.cause(of: CocoaError(.fileWriteUnknown)), "cannot be written")
        XCTAssertEqual(FileSystemErrors.cause(of: POSIXError(.EACCES)), "permission denied")
        XCTAssertEqual(FileSystemErrors.cause(of: NSError(domain: NSPOSIXErrorDomain, code: Int(EISDIR))), "is a folder, not a file")
        XCTAssertEqual(FileSystemErrors.cause(errno: ENOSPC), "no space left on the device (disk full)")
        // Not a Foundation file error: left to the error's own text.
        XCTAssertNil(FileSystemErrors.cause(of: FileError(path: "x", reason: "bad")))
        XCTAssertNil(FileSystemErrors.describe(DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "x"))))
    }
}
