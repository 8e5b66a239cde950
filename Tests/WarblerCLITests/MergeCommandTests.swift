// Scale-out end to end through the binary (issue 14): `detect --shard I/N` into one folder per
// shard, then `merge`, gives byte for byte the tables of a single detect over all recordings;
// merge names the inputs of a shard that never ran (exit 4) and refuses shards of another
// checkpoint.
import Foundation
import XCTest

final class MergeCommandTests: CLITestCase {
    private func ok(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        let r = try CLI.run(args)
        XCTAssertEqual(r.status, 0, "warbler \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
        return r
    }

    /// A tiny model, five short recordings in two folders, and detect's arguments for them.
    private func setUpRun() throws -> [String] {
        _ = try ok(["model", "init", "--arch", "warbler-small", "--classes", "3", "--gru-hidden", "8", "--out", dir + "/m.safetensors"])
        _ = try ok(["synth", "soundscape", "--out", dir + "/in/a", "--species", "3", "--count", "3", "--seconds", "12", "--format", "wav"])
        _ = try ok(["synth", "soundscape", "--out", dir + "/in/b", "--species", "3", "--count", "2", "--seconds", "7", "--format", "wav", "--seed", "9"])
        return ["detect", "--checkpoint", dir + "/m.safetensors", dir + "/in", "--format", "cornell,csv", "--no-report", "--threshold", "0.5"]
    }

    private func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func testMergedShardsEqualOneRunByteForByte() throws {
        let args = try setUpRun()
        _ = try ok(args + ["--out", dir + "/whole"])
        // Shard 1 first ran with another threshold: its scores are reused, its events decoded again.
        _ = try ok(Array(args.dropLast(2)) + ["--threshold", "0.3", "--out", dir + "/s1", "--shard", "1/3"])
        var counts: [Int] = []
        for i in 0..<3 {
            let r = try ok(args + ["--out", dir + "/s\(i)", "--shard", "\(i)/3"])
            let first = r.stdout.split(separator: "\n").first.map(String.init) ?? ""
            XCTAssertTrue(first.hasPrefix("shard \(i)/3 (--shard): ") && first.hasSuffix(" of 5 recordings"), first)
            counts.append(Int(first.split(separator: " ")[3])!)
        }
        XCTAssertEqual(counts.reduce(0, +), 5, "every recording in one shard")
        let m = try ok(["merge", dir + "/s0", dir + "/s1", dir + "/s2", "--out", dir + "/merged", "--format", "cornell,csv"])
        XCTAssertTrue(m.stdout.contains("5 of 5 recordings"), m.stdout)
        for f in ["cornell.csv", "scores.csv", "detections.csv"] {
            XCTAssertEqual(try text(dir + "/merged/" + f), try text(dir + "/whole/" + f), f)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/merged/run.json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/merged/missing.txt"))

        // The same recordings from a --files-from list (in the order a folder is listed in,
        // with a comment and a blank line) in 2 shards: the same tables again.
        let wavs = try FileManager.default.subpathsOfDirectory(atPath: dir + "/in").filter { $0.hasSuffix(".wav") }.sorted()
        try Data(("# the archive\n\n" + wavs.map { dir + "/in/" + $0 + "\n" }.joined()).utf8).write(to: URL(fileURLWithPath: dir + "/list.txt"))
        var listArgs = args.filter { $0 != dir + "/in" }
        listArgs += ["--files-from", dir + "/list.txt"]
        for i in 0..<2 { _ = try ok(listArgs + ["--out", dir + "/l\(i)", "--shard", "\(i)/2"]) }
        _ = try ok(["merge", dir + "/l0", dir + "/l1", "--out", dir + "/lmerged", "--format", "cornell,csv"])
        for f in ["cornell.csv", "scores.csv"] {
            XCTAssertEqual(try text(dir + "/lmerged/" + f), try text(dir + "/whole/" + f), "--files-from: " + f)
        }
    }

    func testMergeNamesTheInputsOfAShardThatNeverRan() throws {
        let args = try setUpRun()
        var held: [Int: [String]] = [:]
        for i in 0..<3 where i != 2 { _ = try ok(args + ["--out", dir + "/s\(i)", "--shard", "\(i)/3"]) }
        // Which recordings shard 2 has: those in neither of the others' run.json.
        for i in 0..<2 {
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/s\(i)/run.json"))) as! [String: Any]
            held[i] = (json["recordings"] as! [[String: Any]]).map { $0["path"] as! String }
        }
        let all = try FileManager.default.subpathsOfDirectory(atPath: dir + "/in").filter { $0.hasSuffix(".wav") }
            .map { URL(fileURLWithPath: dir + "/in/" + $0).standardizedFileURL.path }
        let absent = Set(all).subtracting(held.values.flatMap { $0 })
        XCTAssertFalse(absent.isEmpty, "this seed must leave shard 2 some recordings")
        try FileManager.default.createDirectory(atPath: dir + "/s2", withIntermediateDirectories: true)  // made, never finished
        let m = try CLI.run(["merge", dir + "/s0", dir + "/s1", dir + "/s2", "--out", dir + "/merged", "--format", "cornell"])
        XCTAssertEqual(m.status, 4, m.stderr)
        for path in absent { XCTAssertTrue(m.stderr.contains("missing: " + path), m.stderr) }
        XCTAssertTrue(m.stderr.contains("run shard 2 of 3 again"), m.stderr)
        XCTAssertEqual(Set(try text(dir + "/merged/missing.txt").split(separator: "\n").map(String.init)), absent)
    }

    func testMergeRefusesShardsOfDifferentCheckpoints() throws {
        let args = try setUpRun()
        _ = try ok(["model", "init", "--arch", "warbler-small", "--classes", "3", "--gru-hidden", "8", "--seed", "5", "--out", dir + "/other.safetensors"])
        _ = try ok(args + ["--out", dir + "/s0", "--shard", "0/2"])
        var other = args
        other[2] = dir + "/other.safetensors"
        _ = try ok(other + ["--out", dir + "/s1", "--shard", "1/2"])
        let m = try CLI.run(["merge", dir + "/s0", dir + "/s1", "--out", dir + "/merged"])
        XCTAssertEqual(m.status, 1, m.stderr)
        XCTAssertTrue(m.stderr.contains(dir + "/s0") && m.stderr.contains(dir + "/s1") && m.stderr.contains("different checkpoints"), m.stderr)
        XCTAssertEqual(m.stderr.split(separator: "\n").count, 1, "one sentence: \(m.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/merged/cornell.csv"))
        // A usage error for a bad shard is exit 64 with one sentence.
        let bad = try CLI.run(args + ["--out", dir + "/bad", "--shard", "2/2"])
        XCTAssertEqual(bad.status, 64, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("shard 2 does not exist"), bad.stderr)
    }
}
