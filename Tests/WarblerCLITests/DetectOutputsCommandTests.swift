// What `warbler detect` leaves in its output folder: recordings with equal names in different
// folders told apart by their relative path, run.json saying what made every file, provenance
// in detections.json and the database, stale files of an earlier run removed (the user's own
// kept), and a new threshold answered from the kept scores, without the model, with exactly
// the tables a fresh run writes.
import Foundation
import WarblerIO
import XCTest

final class DetectOutputsCommandTests: CLITestCase {
    private func make() throws -> (checkpoint: String, inputs: String) {
        XCTAssertEqual(try CLI.run(["model", "init", "--classes", "3", "--gru-hidden", "8", "--out", dir + "/m.safetensors"]).status, 0)
        XCTAssertEqual(try CLI.run(["synth", "soundscape", "--out", dir + "/sc", "--species", "3", "--count", "2", "--seconds", "12"]).status, 0)
        // Two recorders that name their files alike.
        for (site, n) in [("siteA", "01"), ("siteB", "02")] {
            try FileManager.default.createDirectory(atPath: "\(dir!)/in/\(site)", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: "\(dir!)/sc/soundscape\(n).flac", toPath: "\(dir!)/in/\(site)/0600.flac")
        }
        return (dir + "/m.safetensors", dir + "/in")
    }

    private func filesBelow(_ folder: String) -> [String] {
        (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).filter { rel in
            var isDir: ObjCBool = false
            FileManager.default.fileExists(atPath: folder + "/" + rel, isDirectory: &isDir)
            return !isDir.boolValue && !rel.hasPrefix(".") && rel != "run.json"
        }.sorted()
    }

    func testEqualNamesProvenanceStaleFilesAndNewThresholdsWithoutTheModel() throws {
        let (checkpoint, inputs) = try make()
        let out = dir + "/out"
        let first = try CLI.run([
            "detect", "--checkpoint", checkpoint, inputs, "--out", out, "--threshold", "0.3", "--no-report",
            "--format", "cornell,csv,raven,audacity,json,sqlite",
        ])
        XCTAssertEqual(first.status, 0, first.stderr)
        let rows = try CSV.read(out + "/cornell.csv").rows.map { $0[0] }
        XCTAssertEqual(rows, ["siteA/0600_5", "siteA/0600_10", "siteA/0600_15", "siteB/0600_5", "siteB/0600_10", "siteB/0600_15"])

        // run.json: the checkpoint by hash, every recording by id and absolute path, and exactly the files there.
        struct Record: Decodable {
            struct Checkpoint: Decodable { let path: String; let sha256: String }
            struct Recording: Decodable { let id: String; let path: String; let status: String }
            let warbler: String; let command: [String]; let checkpoint: Checkpoint; let recordings: [Recording]; let files: [String]
            let thresholds: [Float]; let inputRoot: String
        }
        func record() throws -> Record { try JSONDecoder().decode(Record.self, from: try Data(contentsOf: URL(fileURLWithPath: out + "/run.json"))) }
        let r1 = try record()
        XCTAssertEqual(r1.warbler, WarblerVersion.string)
        XCTAssertEqual(r1.checkpoint.sha256, try SHA256.file(checkpoint))
        XCTAssertEqual(r1.checkpoint.path, URL(fileURLWithPath: checkpoint).standardizedFileURL.path)
        XCTAssertEqual(r1.recordings.map(\.id), ["siteA/0600", "siteB/0600"])
        XCTAssertEqual(r1.recordings.map(\.status), ["detected", "detected"])
        XCTAssertTrue(r1.recordings.allSatisfy { $0.path.hasPrefix("/") && FileManager.default.fileExists(atPath: $0.path) })
        XCTAssertEqual(r1.inputRoot, URL(fileURLWithPath: inputs).standardizedFileURL.path)
        XCTAssertEqual(r1.thresholds, [0.3, 0.3, 0.3])
        XCTAssertEqual(r1.files, filesBelow(out))
        XCTAssertTrue(r1.files.contains("raven/siteA/0600.selections.txt") && r1.files.contains("audacity/siteB/0600.txt"), "\(r1.files)")
        let json = try String(contentsOfFile: out + "/detections.json", encoding: .utf8)
        XCTAssertTrue(json.contains("\"checkpointSHA256\" : \"\(r1.checkpoint.sha256)\""), json.prefix(2000).description)

        // A new threshold and fewer formats into the same folder: the scores are reused, the
        // other formats' files are gone, a file of the user's stays.
        try Data("mine".utf8).write(to: URL(fileURLWithPath: out + "/notes.txt"))
        let again = try CLI.run([
            "detect", "--checkpoint", checkpoint, inputs, "--out", out, "--threshold", "0.6", "--no-report",
            "--format", "cornell,csv",
        ])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.stdout.components(separatedBy: "[done earlier]").count - 1, 2, again.stdout)
        XCTAssertTrue(again.stdout.contains("removed"), again.stdout)
        let r2 = try record()
        XCTAssertEqual(r2.recordings.map(\.status), ["reused", "reused"])
        XCTAssertEqual(r2.files, ["cornell.csv", "detections.csv", "scores.csv"])
        XCTAssertEqual(filesBelow(out), ["cornell.csv", "detections.csv", "notes.txt", "scores.csv"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/raven"), "emptied folders go too")

        // Exactly what a fresh run with that threshold writes (--min-conf is --threshold, as BirdNET names it).
        let fresh = try CLI.run([
            "detect", "--checkpoint", checkpoint, inputs, "--out", dir + "/fresh", "--min-conf", "0.6", "--no-report",
            "--format", "cornell,csv",
        ])
        XCTAssertEqual(fresh.status, 0, fresh.stderr)
        XCTAssertFalse(fresh.stdout.contains("[done earlier]"))
        for f in ["cornell.csv", "scores.csv", "detections.csv"] {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out + "/" + f)), try Data(contentsOf: URL(fileURLWithPath: dir + "/fresh/" + f)), f)
        }
    }

    func testOneCharacterOutputFolders() throws {
        let (checkpoint, inputs) = try make()
        // `--out .` and `--out o` used to trap inside Foundation's path code.
        for name in [".", "o"] {
            let work = dir + "/cwd-" + (name == "." ? "dot" : name)
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            let r = try CLI.run(["detect", "--checkpoint", checkpoint, inputs, "--out", name, "--no-report", "--format", "cornell"], in: work)
            XCTAssertEqual(r.status, 0, "--out \(name): \(r.stderr)")
            XCTAssertTrue(FileManager.default.fileExists(atPath: work + "/" + name + "/cornell.csv"), name)
        }
    }
}
