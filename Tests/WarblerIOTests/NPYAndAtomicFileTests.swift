// .npy round trips (C and Fortran order, as numpy reads them) and the atomic-write contract:
// nothing appears at the destination until commit, and a discarded write leaves nothing behind.
import Foundation
import XCTest
@testable import WarblerIO

final class NPYAndAtomicFileTests: XCTestCase {
    private func scratch(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "warbler-io-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func testFloatArrayRoundTrip() throws {
        let dir = scratch("roundtrip")
        let values: [Float] = (0..<12).map { Float($0) * 0.5 - 1 }
        try NPY.write(values, shape: [3, 4], to: dir + "/a.npy")
        let back = try NPY.read(dir + "/a.npy")
        XCTAssertEqual(back.shape, [3, 4])
        XCTAssertEqual(back.type, .float32)
        XCTAssertEqual(back.floats(), values)
    }

    func testHeaderIsSixtyFourByteAligned() {
        // numpy >= 1.x pads the header so the data starts at a multiple of 64 bytes.
        let header = NPY.header(type: .float32, shape: [128, 12345], fortranOrder: true)
        XCTAssertEqual(header.count % 64, 0)
        let text = String(decoding: header.dropFirst(10), as: UTF8.self)
        XCTAssertTrue(text.contains("'fortran_order': True"), text)
        XCTAssertTrue(text.contains("(128, 12345)"), text)
    }

    func testColumnWriterWritesFortranOrderThatReadsBackTransposed() throws {
        let dir = scratch("columns")
        let path = dir + "/cols.npy"
        let writer = try NPYColumnWriter(path: path, rows: 2)
        let columns: [[Float]] = [[1, 2], [3, 4], [5, 6]]
        for c in columns { try c.withUnsafeBufferPointer { try writer.append(columnMajor: $0) } }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "visible before finish()")
        try writer.finish()
        let back = try NPY.read(path)
        XCTAssertEqual(back.shape, [2, 3])
        // Row-major view of a [2, 3] array whose columns were appended.
        XCTAssertEqual(back.floats(), [1, 3, 5, 2, 4, 6])
    }

    /// Reserving space for the expected columns leaves the file's length and content alone,
    /// whether the reservation was exact, too large, or absurd (ignored).
    func testColumnWriterReservationKeepsLengthAndContent() throws {
        let dir = scratch("reserve")
        for (name, reserve) in [("exact", 3), ("more", 100_000), ("absurd", Int.max / 2)] {
            let path = dir + "/\(name).npy"
            let writer = try NPYColumnWriter(path: path, rows: 2)
            writer.reserve(columns: reserve)
            for c in [[Float(1), 2], [3, 4], [5, 6]] { try c.withUnsafeBufferPointer { try writer.append(columnMajor: $0) } }
            try writer.finish()
            let back = try NPY.read(path)
            XCTAssertEqual(back.shape, [2, 3], name)
            XCTAssertEqual(back.floats(), [1, 3, 5, 2, 4, 6], name)
            let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
            XCTAssertEqual(size, 128 + 6 * 4, "\(name): the file holds the header and the values only")
        }
        // The blocks are reserved before the values arrive (ext4 and tmpfs can; the tests' /tmp
        // is one of them), and the length stays that of what was written.
        let path = dir + "/blocks.npy"
        let writer = try NPYColumnWriter(path: path, rows: 128)
        writer.reserve(columns: 4_096)
        let temporary = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasPrefix(".blocks.npy.tmp-") })
        var st = stat()
        XCTAssertEqual(stat(dir + "/" + temporary, &st), 0)
        XCTAssertGreaterThanOrEqual(Int(st.st_blocks) * 512, 128 * 4_096 * 4, "blocks reserved")
        XCTAssertLessThanOrEqual(Int(st.st_size), 128, "the length is not changed by the reservation")
        writer.discard()
    }

    func testTruncatedNPYIsRejectedWithPath() throws {
        let dir = scratch("truncated")
        let path = dir + "/t.npy"
        try NPY.write([1, 2, 3, 4], shape: [4], to: path)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 3).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try NPY.read(path)) { error in
            XCTAssertTrue("\(error)".contains(path), "\(error)")
        }
    }

    func testAtomicFileAppearsOnlyOnCommit() throws {
        let dir = scratch("atomic")
        let dest = dir + "/out.bin"
        let file = try AtomicFile(destination: dest)
        try file.write(Data([1, 2, 3]))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dest))
        try file.commit()
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dest)), Data([1, 2, 3]))
        let discarded = try AtomicFile(destination: dir + "/gone.bin")
        try discarded.write(Data([9]))
        discarded.discard()
        let left = try FileManager.default.contentsOfDirectory(atPath: dir)
        XCTAssertEqual(left, ["out.bin"], "a discarded write left \(left)")
    }

    /// Unsynced outputs replace an existing file by swapping it with the new one; the result is
    /// the same as a rename: the new bytes in place, ordinary permissions, no file left behind.
    func testUnsyncedCommitOverAnExistingFileReplacesIt() throws {
        let dir = scratch("exchange")
        let dest = dir + "/out.npy"
        for (round, durable) in [(1, false), (2, false), (3, true), (4, false)] {
            let file = try AtomicFile(destination: dest)
            file.syncsOnCommit = durable
            try file.write(Data(repeating: UInt8(round), count: 1000 * round))
            try file.commit()
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dest)), Data(repeating: UInt8(round), count: 1000 * round))
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["out.npy"], "round \(round)")
            let mode = try FileManager.default.attributesOfItem(atPath: dest)[.posixPermissions] as? Int
            XCTAssertEqual(mode, 0o644)
        }
        // The previous files' descriptors, closed on another thread so the kernel frees their
        // blocks there, are all closed: none of this process's descriptors points into `dir`.
        func openIntoDir() -> [String] {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            return fds.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0) }.filter { $0.hasPrefix(dir) }
        }
        let deadline = Date().addingTimeInterval(30)
        while !openIntoDir().isEmpty && Date() < deadline { usleep(10_000) }
        XCTAssertEqual(openIntoDir(), [], "descriptors of replaced files left open")
        // The swap is taken only with an existing regular file: a folder in the way still fails.
        try FileManager.default.createDirectory(atPath: dir + "/taken", withIntermediateDirectories: true)
        try FileManager.default.createFile(atPath: dir + "/taken/x", contents: Data([1]))
        XCTAssertFalse(AtomicFile.exchange(dest, dir + "/taken"))
        XCTAssertFalse(AtomicFile.exchange(dest, dir + "/missing"))
        let blocked = try AtomicFile(destination: dir + "/taken")
        blocked.syncsOnCommit = false
        try blocked.write(Data([7]))
        XCTAssertThrowsError(try blocked.commit())
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/taken/x")), Data([1]))
    }
}
