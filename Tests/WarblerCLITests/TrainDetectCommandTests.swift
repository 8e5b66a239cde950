// The main job end to end through the binary, on a tiny synthetic set: train writes its run
// folder and a run killed with SIGKILL and resumed reaches the same losses as an uninterrupted
// one; detect writes every format and a report, skips a bad file (saying why), and a detect
// run killed part-way and started again ends with exactly the rows of an uninterrupted run.
import Foundation
import WarblerIO
import XCTest

final class TrainDetectCommandTests: CLITestCase {
    /// `warbler-bench export-batches` with the options of the `warbler train` command line `args`.
    @discardableResult
    private func exported(_ args: [String], to folder: String, file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        let bench = CLI.exportBatchesArguments(args, to: folder)
        let r = try CLI.run(bench, binary: CLI.benchBinary)
        XCTAssertEqual(r.status, 0, "warbler-bench \(bench.joined(separator: " ")): \(r.stderr)", file: file, line: line)
        return r
    }

    private func ok(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        let r = try CLI.run(args)
        XCTAssertEqual(r.status, 0, "warbler \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
        return r
    }

    private func trainArgs(_ out: String, epochs: Int) -> [String] {
        [
            "train", "--manifest", dir + "/data/train.csv", "--audio-root", dir + "/data/train_audio", "--out", out,
            "--epochs", "\(epochs)", "--batch-size", "4", "--examples-per-epoch", "16", "--arch", "warbler-small",
            "--crop-seconds", "2", "--seed", "3", "--workers", "1", "--cache", dir + "/cache",
        ]
    }

    private func losses(_ run: String) throws -> [Double] {
        try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map { line in
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return o["trainLoss"] as! Double
        }
    }

    /// Starts warbler, waits until `ready()` holds (or it ends), then kills it with SIGKILL.
    private func killed(_ args: [String], when ready: () -> Bool) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning && !ready() && Date() < deadline { usleep(20_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
    }

    func testTrainThenResumeAfterSIGKILL() throws {
        _ = try ok(["synth", "dataset", "--out", dir + "/data", "--species", "3", "--clips", "6", "--seconds", "2", "--format", "wav"])
        let whole = dir + "/whole"
        let r = try ok(trainArgs(whole, epochs: 3))
        XCTAssertTrue(r.stdout.contains("epoch 3/3"), r.stdout)
        for f in [
            "best.safetensors", "last.safetensors", "last.state.safetensors", "thresholds.json", "metrics.jsonl",
            "curves.png", "train_config.json",
        ] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: whole + "/" + f), f)
        }
        XCTAssertEqual(try losses(whole).count, 3)
        // Starting again in the same folder without --resume is refused; --resume on an empty one too.
        let again = try CLI.run(trainArgs(whole, epochs: 3))
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("already holds a run"), again.stderr)

        // Kill a run as soon as its first checkpoint is written, then resume it.
        let killedRun = dir + "/killed"
        try killed(trainArgs(killedRun, epochs: 3)) {
            FileManager.default.fileExists(atPath: killedRun + "/last.state.safetensors")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: killedRun + "/last.state.safetensors"))
        let resumed = try ok(trainArgs(killedRun, epochs: 3) + ["--resume"])
        XCTAssertTrue(resumed.stdout.contains("resuming at epoch"), resumed.stdout)
        XCTAssertEqual(try losses(killedRun), try losses(whole), "a killed and resumed run must reach the same losses")

        // Detect with the trained checkpoint.
        _ = try ok(["synth", "soundscape", "--out", dir + "/sc", "--species", "3", "--count", "2", "--seconds", "12", "--format", "wav"])
        try Data("definitely not audio".utf8).write(to: URL(fileURLWithPath: dir + "/sc/zz_broken.wav"))
        let d = try CLI.run([
            "detect", "--checkpoint", whole + "/best.safetensors", dir + "/sc", "--out", dir + "/det",
            "--format", "cornell,csv,raven,audacity,json,sqlite",
        ])
        XCTAssertNotEqual(d.status, 0, "a failed input makes the exit status non-zero")
        XCTAssertTrue(d.stderr.contains("zz_broken.wav"), d.stderr)
        XCTAssertTrue(d.stderr.contains("1 of 3 inputs failed"), d.stderr)
        let cornell = try String(contentsOfFile: dir + "/det/cornell.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(cornell.first, "row_id,birds")
        XCTAssertEqual(
            cornell.dropFirst().map { String($0.split(separator: ",")[0]) },
            ["soundscape01_5", "soundscape01_10", "soundscape01_15", "soundscape02_5", "soundscape02_10", "soundscape02_15"])
        for f in [
            "scores.csv", "detections.csv", "raven/all.selections.txt", "detections.json", "detections.sqlite",
            "report/index.html", "report/nav.js", "report/soundscape01.html", "report/soundscape01.files/page-001.png",
        ] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/det/" + f), f)
        }
        // The evaluation reads detect's output directly.
        let e = try ok(["evaluate", "--truth", dir + "/sc/truth.csv", "--pred", dir + "/det/scores.csv"])
        XCTAssertTrue(e.stdout.contains("row-wise micro F1"), e.stdout)
    }

    func testExportBatchesWritesWhatTrainingWouldSeeAndTrainsNothing() throws {
        _ = try ok(["synth", "dataset", "--out", dir + "/data", "--species", "3", "--clips", "4", "--seconds", "2", "--format", "wav"])
        let r = try exported(trainArgs(dir + "/run", epochs: 2), to: dir + "/batches")
        XCTAssertTrue(r.stdout.contains("training batches"), r.stdout)
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/batches/meta.json"))) as! [String: Any]
        XCTAssertEqual(meta["classes"] as? [String], ["syn01", "syn02", "syn03"])
        let perEpoch = meta["batchesPerEpoch"] as! Int
        XCTAssertGreaterThan(perEpoch, 0)
        let x = try NPY.read(dir + "/batches/e1_b\(perEpoch - 1)_x.npy"), y = try NPY.read(dir + "/batches/e1_b0_y.npy")
        XCTAssertEqual(x.shape, [4, 1, 201, 128])  // batch 4, 2-s crops (201 frames), 128 mels
        XCTAssertEqual(y.shape, [4, 3])
        // Every validation window has its truth row: the chunks' rows add up to the truth list.
        let rows = try (0..<(meta["validationChunks"] as! Int)).map { try NPY.read(dir + "/batches/val_\($0)_x.npy").shape[0] }
        XCTAssertEqual(rows.reduce(0, +), (meta["truth"] as! [Any]).count)
        XCTAssertGreaterThan(rows.reduce(0, +), 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/run/last.safetensors"), "exporting must not train")
    }

    func testDetectKilledPartWayEndsWithTheSameRows() throws {
        _ = try ok(["model", "init", "--arch", "warbler-small", "--classes", "3", "--gru-hidden", "8", "--out", dir + "/m.safetensors"])
        _ = try ok(["synth", "soundscape", "--out", dir + "/sc", "--species", "3", "--count", "4", "--seconds", "40", "--format", "wav"])
        let args = ["detect", "--checkpoint", dir + "/m.safetensors", dir + "/sc", "--format", "cornell,csv", "--no-report"]
        _ = try ok(args + ["--out", dir + "/whole"])
        let out = dir + "/killed"
        try killed(args + ["--out", out]) {
            ((try? FileManager.default.contentsOfDirectory(atPath: out + "/.journal")) ?? []).filter { $0.hasSuffix(".json") }.count >= 1
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/cornell.csv"), "killed before the end, no output yet")
        let resumed = try ok(args + ["--out", out])
        XCTAssertTrue(resumed.stdout.contains("[done earlier]"), resumed.stdout)
        for f in ["cornell.csv", "scores.csv", "detections.csv"] {
            XCTAssertEqual(
                try String(contentsOfFile: out + "/" + f, encoding: .utf8),
                try String(contentsOfFile: dir + "/whole/" + f, encoding: .utf8), f)
        }
    }
}
