// Tests/Fixtures/manifest.json against the tree: every fixture folder has an entry, its
// generator still is what made the files (SHA-256 of tools/fixtures/<script> and common.py),
// the files are as the generator wrote them, and the recorded reference versions are the pinned
// ones. A failure names the script to re-run.
import Foundation
import WarblerIO
import WarblerTestSupport
import XCTest

final class FixtureManifestTests: XCTestCase {
    /// The repository root (Tests/Fixtures/..).
    var repository: String { URL(fileURLWithPath: Fixtures.root).deletingLastPathComponent().deletingLastPathComponent().path }

    func manifest() throws -> [String: [String: String]] {
        try XCTUnwrap(
            Fixtures.json("manifest.json", script: "common.py") as? [String: [String: String]],
            "manifest.json: one object of strings per fixture folder")
    }

    func testEveryFixtureFolderHasAnEntryAndEveryEntryAFolder() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Fixtures.root).filter {
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: Fixtures.path($0), isDirectory: &isDir) && isDir.boolValue
        }
        XCTAssertEqual(Set(folders), Set(try manifest().keys))
        XCTAssertGreaterThanOrEqual(folders.count, 7)
    }

    func testGeneratorsAreUnchangedSinceTheirFixturesWereWritten() throws {
        for (name, entry) in try manifest() {
            let script = try XCTUnwrap(entry["script"], name)
            let hint = "\(name): re-run `python \(script)` (or, for a change that cannot alter its output, `python tools/fixtures/common.py --rehash \(name)`)"
            XCTAssertEqual(try SHA256.file(repository + "/" + script), entry["script_sha256"], "\(script) changed. \(hint)")
            XCTAssertEqual(try SHA256.file(repository + "/tools/fixtures/common.py"), entry["common_sha256"], "tools/fixtures/common.py changed. \(hint)")
        }
    }

    func testFixtureFilesAreAsTheirGeneratorWroteThem() throws {
        for (name, entry) in try manifest() {
            XCTAssertEqual(
                try Self.folderDigest(Fixtures.path(name)), entry["files_sha256"],
                "Tests/Fixtures/\(name) differs from what \(entry["script"] ?? "?") wrote: re-run it")
        }
    }

    func testRecordedVersionsAreThePinnedOnes() throws {
        let pins = try String(contentsOfFile: repository + "/tools/fixtures/requirements.txt", encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }
            .compactMap { line -> (String, String)? in
                let parts = line.split(separator: "=", omittingEmptySubsequences: true)
                return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
            }
        XCTAssertGreaterThanOrEqual(pins.count, 5)
        var compared = 0
        for (name, entry) in try manifest() {
            for (package, version) in pins {
                guard let recorded = entry[package] else { continue }
                XCTAssertEqual(
                    recorded, version, "\(name) was written with \(package) \(recorded); requirements.txt pins \(version): re-run \(entry["script"] ?? "?")")
                compared += 1
            }
        }
        XCTAssertGreaterThan(compared, 10)
    }

    /// The digest tools/fixtures/common.py's `folder_digest` records: SHA-256 of the sorted lines
    /// "<relative path> <sha256 of the file>", joined with newlines.
    static func folderDigest(_ root: String) throws -> String {
        let enumerator = try XCTUnwrap(FileManager.default.enumerator(atPath: root))
        var lines: [String] = []
        while let relative = enumerator.nextObject() as? String {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDir), !isDir.boolValue else { continue }
            lines.append("\(relative) \(try SHA256.file(root + "/" + relative))")
        }
        XCTAssertFalse(lines.isEmpty, root)
        return SHA256.hex(Array(lines.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.joined(separator: "\n").utf8))
    }
}
