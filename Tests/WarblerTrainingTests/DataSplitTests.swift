// The stratified split: deterministic per seed, every file on exactly one side, and each class
// with two or more files on both sides.
import Foundation
import XCTest
@testable import WarblerTraining

final class DataSplitTests: XCTestCase {
    private func manifest() throws -> Manifest { try Self.manifest(folder: "split") }

    /// A manifest of real (tiny, one-byte) files: class sizes 1, 2, 3 and 10 (the split needs
    /// no audio). FieldRecipeTests uses it too.
    static func manifest(folder: String) throws -> Manifest {
        let dir = try Scratch.folder(folder)
        var entries: [ManifestEntry] = []
        for (label, n) in [("a", 1), ("b", 2), ("c", 3), ("d", 10)] {
            for i in 0..<n {
                let path = "\(dir)/\(label)\(i).wav"
                _ = FileManager.default.createFile(atPath: path, contents: Data([0]))
                entries.append(ManifestEntry(path: path, primaryLabel: label))
            }
        }
        return try Manifest(entries: entries, source: "test")
    }

    func testStratifiedDeterministicSplit() throws {
        let m = try manifest()
        let s = try DataSplit(manifest: m, validationFraction: 0.2, seed: 7)
        XCTAssertEqual(s, try DataSplit(manifest: m, validationFraction: 0.2, seed: 7))
        XCTAssertEqual(Set(s.train).union(s.validation), Set(0..<m.entries.count))
        XCTAssertTrue(Set(s.train).isDisjoint(with: s.validation))
        func count(_ side: [Int], _ label: String) -> Int { side.filter { m.entries[$0].primaryLabel == label }.count }
        XCTAssertEqual(count(s.validation, "a"), 0)  // one file: training only
        XCTAssertEqual(count(s.validation, "b"), 1)  // round(0.4) = 0, raised to 1
        XCTAssertEqual(count(s.train, "b"), 1)
        XCTAssertEqual(count(s.validation, "c"), 1)
        XCTAssertEqual(count(s.validation, "d"), 2)
        // Another seed picks other files (d has 45 possible pairs).
        let others = try (8..<12).map { try DataSplit(manifest: m, validationFraction: 0.2, seed: UInt64($0)).validation }
        XCTAssertTrue(others.contains { $0 != s.validation })
        XCTAssertThrowsError(try DataSplit(manifest: m, validationFraction: 1, seed: 1))
    }
}
