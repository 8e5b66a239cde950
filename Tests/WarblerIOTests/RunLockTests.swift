// One run per output folder (issue 12, part B): the second lock on a folder is refused with the
// holder's pid, released locks are taken again, and the holder clears temporary files that a
// killed run left behind (AtomicFile's and SQLite's), and nothing else.
import Foundation
import XCTest
@testable import WarblerIO

final class RunLockTests: XCTestCase {
    private var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "warbler-lock-\(getpid())-\(UUID().uuidString)"
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func testASecondRunIsRefusedWithTheHoldersPid() throws {
        let first = try RunLock(folder: dir + "/out")
        XCTAssertThrowsError(try RunLock(folder: dir + "/out")) { error in
            XCTAssertEqual(
                "\(error)",
                "\(dir!)/out is in use by another warbler run (pid \(getpid())); "
                    + "wait for it to end or choose another output folder")
        }
        first.release()
        let again = try RunLock(folder: dir + "/out")
        again.release()
    }

    func testTheHolderClearsStaleTemporaryFilesOnly() throws {
        let out = dir + "/out"
        for sub in ["", "/.journal", "/report", "/cache"] {
            try FileManager.default.createDirectory(atPath: out + sub, withIntermediateDirectories: true)
        }
        let stale = [
            out + "/.last.state.safetensors.tmp-abc12", out + "/.journal/.0123.json.tmp-x9",
            out + "/report/.a.png.tmp-zz", out + "/detections.sqlite.tmp-4242", out + "/detections.sqlite.tmp-4242-journal",
        ]
        let kept = [out + "/last.state.safetensors", out + "/.journal/0123.json", out + "/cache/.0001.f16.tmp-qq", out + "/notes.tmp"]
        for p in stale + kept { try Data("x".utf8).write(to: URL(fileURLWithPath: p)) }
        let lock = try RunLock(folder: out)
        XCTAssertEqual(Set(lock.removeStaleTemporaryFiles(skipping: ["cache"])), Set(stale))
        for p in stale { XCTAssertFalse(FileManager.default.fileExists(atPath: p), p) }
        for p in kept { XCTAssertTrue(FileManager.default.fileExists(atPath: p), p) }
    }
}
