// Scale-out (issue 14): shards partition the recordings whatever order they are listed in,
// shards come from each scheduler's environment and bad values are refused, --files-from lists
// are read as documented, and the fast ids of a list equal AudioInputs' ids.
import Foundation
@testable import WarblerDetect
import XCTest

final class ShardingTests: XCTestCase {
    private func paths(_ n: Int) -> [String] {
        (0..<n).map { "/data/site\($0 % 7)/2024050\($0 % 3)_\(String(format: "%06d", $0)).wav" }
    }

    func testShardsPartitionTheInputsWhateverTheirOrder() throws {
        let all = paths(500)
        for n in [1, 2, 3, 7, 16] {
            var seen: [String: Int] = [:]
            for i in 0..<n {
                let s = InputSelection.select(standardizedPaths: all, shard: try Shard(index: i, count: n))
                for f in s.files { seen[f, default: 0] += 1 }
                XCTAssertEqual(s.indexes.map { all[$0] }, s.files, "indexes point at the files")
                XCTAssertEqual(s.indexes, s.indexes.sorted(), "input order kept")
                // The same shard of the list reversed holds the same files.
                let reversed = InputSelection.select(standardizedPaths: all.reversed(), shard: try Shard(index: i, count: n))
                XCTAssertEqual(Set(reversed.files), Set(s.files), "shard \(i)/\(n) depends on the order")
            }
            XCTAssertEqual(seen.count, all.count, "every file in some shard (N = \(n))")
            XCTAssertTrue(seen.values.allSatisfy { $0 == 1 }, "every file in exactly one shard (N = \(n))")
        }
        // Not all in one shard: 500 files over 4 shards land in each.
        let sizes = try (0..<4).map { InputSelection.select(standardizedPaths: all, shard: try Shard(index: $0, count: 4)).files.count }
        XCTAssertTrue(sizes.allSatisfy { $0 > 60 }, "\(sizes)")
    }

    func testFastIDsEqualAudioInputsIDs() throws {
        var list = paths(40)
        list += ["/data/x/a.wav", "/data/x/a.flac", "/data/x/.hidden.wav", "/data/y/b.c.wav", "/data/y/noext", "/data/y/odd."]
        let fast = InputSelection.select(standardizedPaths: list, shard: nil)
        XCTAssertEqual(fast.ids, AudioInputs.recordingIDs(list))
        XCTAssertEqual(fast.inputRoot, AudioInputs.commonFolder(list))
        for set in [["/a/b/c.wav"], ["/a.wav", "/b/c.wav"], ["/ab/x.wav", "/a/y.wav"], ["/a/b/x.wav", "/a/bc/y.wav"], ["/a/b/c/x.wav", "/a/b/y.wav"]] {
            XCTAssertEqual(InputSelection.commonFolder(set), AudioInputs.commonFolder(set), "\(set)")
            XCTAssertEqual(InputSelection.select(standardizedPaths: set, shard: nil).ids, AudioInputs.recordingIDs(set), "\(set)")
        }
        // A shard of the fast path holds what Shard.contains says of AudioInputs' ids.
        let s = try Shard(index: 1, count: 3)
        let ids = AudioInputs.recordingIDs(list)
        XCTAssertEqual(InputSelection.select(standardizedPaths: list, shard: s).ids, ids.filter { s.contains($0) })
    }

    func testShardOptionAndEnvironment() throws {
        XCTAssertEqual(try Shard(parsing: "2/4"), try Shard(index: 2, count: 4))
        for bad in ["4/4", "-1/4", "1/0", "a/4", "1/", "1/2/3", " 1/4", "1/2000000", "1.0/4"] {
            XCTAssertThrowsError(try Shard(parsing: bad), bad)
        }
        func env(_ e: [String: String], _ shards: Int? = nil) throws -> Shard? { try Shard.fromEnvironment(e, shards: shards)?.shard }
        XCTAssertNil(try env([:]))
        XCTAssertEqual(try env(["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4"]), try Shard(index: 3, count: 4))
        XCTAssertEqual(try env(["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "5"]), try Shard(index: 3, count: 6))
        // A task resubmitted alone is an array of one: --shards keeps its place.
        XCTAssertEqual(
            try env(["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "1", "SLURM_ARRAY_TASK_MIN": "2", "SLURM_ARRAY_TASK_MAX": "2"], 4),
            try Shard(index: 2, count: 4))
        XCTAssertThrowsError(try env(["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "1"]))  // 2 is not a shard of 1
        XCTAssertThrowsError(try env(["SLURM_ARRAY_TASK_ID": "2"]))  // no count at all
        XCTAssertThrowsError(try env(["SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "4"]))
        XCTAssertEqual(try env(["JOB_COMPLETION_INDEX": "0"], 8), try Shard(index: 0, count: 8))
        XCTAssertThrowsError(try env(["JOB_COMPLETION_INDEX": "0"]))  // needs --shards
        XCTAssertThrowsError(try env(["JOB_COMPLETION_INDEX": "8"], 8))
        XCTAssertThrowsError(try env(["JOB_COMPLETION_INDEX": "-1"], 8))
        XCTAssertEqual(try env(["AWS_BATCH_JOB_ARRAY_INDEX": "5"], 10), try Shard(index: 5, count: 10))
        XCTAssertThrowsError(try env(["AWS_BATCH_JOB_ARRAY_INDEX": "5"]))
        XCTAssertThrowsError(try env(["AWS_BATCH_JOB_ARRAY_INDEX": "1e3"], 10))
        XCTAssertThrowsError(try env(["AWS_BATCH_JOB_ARRAY_INDEX": "0"], 0))
    }

    func testFilesFromList() throws {
        let dir = NSTemporaryDirectory() + "warbler-fileslist-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let list = dir + "/list.txt"
        let text = "# my archive\n/abs/a.wav\n\n   \nrel/b.wav\r\n  # indented comment\n./rel/../rel/./c.wav\n/abs//a.wav\nwith space.wav\n/abs/d.wav"
        try Data(text.utf8).write(to: URL(fileURLWithPath: list))
        XCTAssertEqual(
            try FileList.read(list, cwd: "/work/here"),
            ["/abs/a.wav", "/work/here/rel/b.wav", "/work/here/rel/c.wav", "/work/here/with space.wav", "/abs/d.wav"])
        // Standardised as Foundation does for plain paths.
        for p in ["/a/./b/../c.wav", "/../x.wav", "/a//b/", "/"] {
            XCTAssertEqual(FileList.standardize(Array(p.utf8), cwd: []), URL(fileURLWithPath: p).standardizedFileURL.path, p)
        }
        XCTAssertThrowsError(try FileList.read(dir + "/nope.txt", cwd: "/")) { e in
            XCTAssertTrue("\(e)".contains("nope.txt") && "\(e)".contains("no such file"), "\(e)")
        }
        try Data([0x2F, 0x61, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: list))
        XCTAssertThrowsError(try FileList.read(list, cwd: "/")) { e in XCTAssertTrue("\(e)".contains("line 1"), "\(e)") }
    }
}
