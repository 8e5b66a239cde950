// Run state, locks, signals and full disks through the binary (issue 12, part B): a second run
// on a locked folder is refused naming the holder; SIGTERM/SIGINT stop train and detect at a safe
// point with one line and exit 143/130, leaving no temporary file and a state --resume continues;
// a resume with other settings is refused naming them; stale temporary files of a killed run are
// cleared by the next; a full disk (simulated with WARBLER_SIMULATE_FULL_DISK) under the cache
// or under detect's outputs is reported as such and ends non-zero; a hostile checkpoint config is
// one error, not an abort.
import Foundation
import WarblerIO
import WarblerModels
import WarblerNN
import XCTest

final class RunStateCommandTests: CLITestCase {
    /// Runs warbler with extra environment variables.
    private func run(_ args: [String], env: [String: String] = [:]) throws -> CLIResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { _, b in b }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// Starts warbler, waits until `ready()` holds, sends `signal`, returns exit status and stderr.
    private func signalled(_ args: [String], _ signal: Int32, when ready: () -> Bool) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = args
        let errFile = dir + "/signalled.err"
        FileManager.default.createFile(atPath: errFile, contents: nil)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errFile))
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning && !ready() && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(p.isRunning, "the run ended before it could be signalled")
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        return (p.terminationStatus, (try? String(contentsOfFile: errFile, encoding: .utf8)) ?? "")
    }

    private func temporaryFiles(_ folder: String) -> [String] {
        (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).filter { $0.contains(".tmp-") }
    }

    private func trainArgs(_ out: String, epochs: Int = 3) -> [String] {
        [
            "train", "--manifest", dir + "/data/train.csv", "--audio-root", dir + "/data/train_audio", "--out", out,
            "--epochs", "\(epochs)", "--batch-size", "4", "--examples-per-epoch", "16", "--arch", "warbler-small",
            "--crop-seconds", "2", "--seed", "3", "--workers", "1", "--cache", dir + "/cache",
        ]
    }

    func testTrainLockSignalsResumeRefusalsAndAFullCache() throws {
        XCTAssertEqual(
            try run([
                "synth", "dataset", "--out", dir + "/data", "--species", "3", "--clips", "6", "--seconds", "2",
                "--format", "wav",
            ]).status, 0)
        // A full disk under the cache: an error saying so, not a run on fewer files.
        let full = try run(trainArgs(dir + "/full", epochs: 1), env: ["WARBLER_SIMULATE_FULL_DISK": "*.f16"])
        XCTAssertNotEqual(full.status, 0)
        XCTAssertTrue(full.stderr.contains("writing the audio cache failed for 18 recordings"), full.stderr)
        XCTAssertFalse(full.stderr.contains("(skipped)"), full.stderr)

        // A folder held by another run (this process) is refused, naming the holder.
        let held = dir + "/held"
        let lock = try RunLock(folder: held)
        let busy = try run(trainArgs(held))
        XCTAssertEqual(busy.status, 1)
        XCTAssertTrue(busy.stderr.contains("\(held) is in use by another warbler run (pid \(getpid()))"), busy.stderr)
        lock.release()

        // SIGTERM once the first checkpoint exists: one line, exit 143, no temporary files.
        let out = dir + "/run"
        let (status, stderr) = try signalled(trainArgs(out, epochs: 40), SIGTERM) {
            FileManager.default.fileExists(atPath: out + "/last.state.safetensors")
        }
        XCTAssertEqual(status, 143, stderr)
        XCTAssertTrue(stderr.contains("interrupted: stopping after step"), stderr)
        XCTAssertTrue(stderr.contains("--resume"), stderr)
        XCTAssertEqual(temporaryFiles(out), [])
        // A stale temporary file of a killed run is cleared by the next run holding the lock.
        try Data("x".utf8).write(to: URL(fileURLWithPath: out + "/.last.state.safetensors.tmp-dead1"))
        // Other settings are refused, naming them; train_config.json is left as it was.
        let config = try String(contentsOfFile: out + "/train_config.json", encoding: .utf8)
        let other = try run(trainArgs(out, epochs: 41) + ["--resume", "--batch-size", "2"])
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("epochs (was 40, now 41)"), other.stderr)
        XCTAssertTrue(other.stderr.contains("batch-size (was \"4\", now \"2\")"), other.stderr)
        XCTAssertEqual(try String(contentsOfFile: out + "/train_config.json", encoding: .utf8), config)
        XCTAssertEqual(temporaryFiles(out), [], "the refused run held the lock and cleared the stale file")
        // The same settings resume (then are stopped again, by SIGINT this time: exit 130).
        let state = try SafeTensors.read(out + "/last.state.safetensors").metadata["step"]!
        let (status2, stderr2) = try signalled(trainArgs(out, epochs: 40) + ["--resume"], SIGINT) {
            (try? SafeTensors.read(out + "/last.state.safetensors").metadata["step"]) != state
        }
        XCTAssertEqual(status2, 130, stderr2)
        XCTAssertTrue(stderr2.contains("interrupted: stopping after step"), stderr2)
        XCTAssertEqual(temporaryFiles(out), [])
    }

    func testDetectLockSignalsAndAFullDisk() throws {
        XCTAssertEqual(
            try run([
                "model", "init", "--arch", "warbler-small", "--classes", "3", "--gru-hidden", "8",
                "--out", dir + "/m.safetensors",
            ]).status, 0)
        XCTAssertEqual(
            try run([
                "synth", "soundscape", "--out", dir + "/sc", "--species", "3", "--count", "4", "--seconds", "40",
                "--format", "wav",
            ]).status, 0)
        let args = ["detect", "--checkpoint", dir + "/m.safetensors", dir + "/sc", "--format", "cornell,csv,audacity,json,sqlite"]

        // A full disk for the report pictures: every recording is still detected and every other
        // file written; the failure is named as an output failure and the exit is non-zero.
        let full = try run(args + ["--out", dir + "/full"], env: ["WARBLER_SIMULATE_FULL_DISK": "*.png"])
        XCTAssertEqual(full.status, 3, full.stderr)
        XCTAssertTrue(full.stderr.contains("NOT written: \(dir!)/full/report/soundscape01.html"), full.stderr)
        XCTAssertTrue(full.stderr.contains("could not be written"), full.stderr)
        XCTAssertFalse(full.stderr.contains("inputs failed"), full.stderr)
        for f in ["cornell.csv", "scores.csv", "detections.csv", "detections.json", "detections.sqlite", "audacity/soundscape04.txt"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/full/" + f), f)
        }
        let rows = try String(contentsOfFile: dir + "/full/cornell.csv", encoding: .utf8).split(separator: "\n").count
        XCTAssertEqual(rows, 1 + 4 * 8, "all four recordings' rows")
        XCTAssertEqual(temporaryFiles(dir + "/full"), [])

        // Locked by another run.
        let lock = try RunLock(folder: dir + "/held")
        let busy = try run(args + ["--out", dir + "/held"])
        XCTAssertEqual(busy.status, 1)
        XCTAssertTrue(busy.stderr.contains("is in use by another warbler run (pid \(getpid()))"), busy.stderr)
        lock.release()

        // SIGINT after the first recording: stops between recordings, exit 130; the next run
        // clears a stale journal temp file and reuses what was journalled.
        let out = dir + "/out"
        let (status, stderr) = try signalled(args + ["--out", out, "--no-report"], SIGINT) {
            ((try? FileManager.default.contentsOfDirectory(atPath: out + "/.journal")) ?? []).contains { $0.hasSuffix(".json") }
        }
        XCTAssertEqual(status, 130, stderr)
        XCTAssertTrue(stderr.contains("interrupted: stopping after"), stderr)
        XCTAssertEqual(temporaryFiles(out), [])
        try Data("x".utf8).write(to: URL(fileURLWithPath: out + "/.journal/.abc.json.tmp-dead1"))
        let resumed = try run(args + ["--out", out, "--no-report"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("[done earlier]"), resumed.stdout)
        XCTAssertEqual(temporaryFiles(out), [])
    }

    func testAHostileCheckpointConfigIsOneErrorNotAnAbort() throws {
        let config = try SEDConfig(arch: "warbler-small", classes: 3, gruHidden: 8, gruLayers: 1)
        let model = try SEDModel(config: config, seed: 0)
        var bad = config
        bad.classes = 1_000_000_000
        let path = dir + "/hostile.safetensors"
        try SafeTensors.write(model.stateDict(), config: bad, to: path)
        XCTAssertEqual(
            try run([
                "synth", "soundscape", "--out", dir + "/sc", "--species", "3", "--count", "1", "--seconds", "5",
                "--format", "wav",
            ]).status, 0)
        let r = try run(["detect", "--checkpoint", path, dir + "/sc", "--out", dir + "/det"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("\(path): the config in its metadata is not a model Warbler can build (classes 1000000000"), r.stderr)
    }
}
