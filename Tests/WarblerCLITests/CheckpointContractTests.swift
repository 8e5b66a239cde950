// The checkpoint's contract as detect and predict use it: the window length, input scaling and
// thresholds come from the checkpoint's metadata (and the options still override them); an
// older checkpoint without a contract works as before; a contract with sizes out of range is
// refused with one sentence naming the checkpoint. Also: `train` refuses, with one sentence and
// before any work, a class whose files all fail, a manifest without a usable row and a budget
// too small for one batch.
import Foundation
import WarblerAudio
import WarblerFeatures
import WarblerIO
import WarblerNN
import XCTest

final class CheckpointContractTests: CLITestCase {
    /// A random warbler-small SED with 3 classes written by `model init` (no contract), and a
    /// copy of it with `metadata` added.
    private func checkpoints(adding metadata: [String: String]) throws -> (legacy: String, contract: String) {
        let legacy = dir + "/legacy.safetensors", contract = dir + "/contract.safetensors"
        let r = try CLI.run(["model", "init", "--arch", "warbler-small", "--classes", "3", "--gru-hidden", "8", "--seed", "5", "--out", legacy])
        XCTAssertEqual(r.status, 0, r.stderr)
        let file = try SafeTensors.read(legacy)
        try SafeTensors.write(file.tensors, metadata: file.metadata.merging(metadata) { _, new in new }, to: contract)
        return (legacy, contract)
    }

    private func json(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    private func contractJSON(window: Double, normalization: InputNormalization, nFFT: Int = 1024) throws -> String {
        var fe = FrontEndConfig()
        fe.nFFT = nFFT
        return try json(ModelInput(frontEnd: fe, normalization: normalization, windowSeconds: window))
    }

    private func thresholdsJSON(_ perClass: [Float]) -> String {
        #"{"classes":["class0","class1","class2"],"global":0.5,"perClass":[\#(perClass.map { "\($0)" }.joined(separator: ","))],"epoch":1,"validationF1":1}"#
    }

    private struct Detections: Decodable {
        struct Recording: Decodable { let windows: [Window] }
        struct Window: Decodable { let start: Double; let end: Double }
        let thresholds: [Float]
        let recordings: [Recording]
    }

    func testDetectTakesWindowScalingAndThresholdsFromTheCheckpoint() throws {
        let (legacy, contract) = try checkpoints(adding: [
            "input": try contractJSON(window: 2.5, normalization: .decibelsAround40),
            "thresholds": thresholdsJSON([0.99, 0.98, 0.97]),
        ])
        let wav = dir + "/rec.wav"
        XCTAssertEqual(try CLI.run(["synth", "example", "--out", wav, "--seconds", "10"]).status, 0)
        func detect(_ ckpt: String, _ name: String, _ extra: [String] = []) throws -> (Detections, String) {
            let out = dir + "/" + name
            let r = try CLI.run(["detect", "--checkpoint", ckpt, wav, "--out", out, "--format", "json,csv", "--no-report"] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            let d = try JSONDecoder().decode(Detections.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/detections.json")))
            return (d, try String(contentsOfFile: out + "/scores.csv", encoding: .utf8))
        }
        let (withContract, contractScores) = try detect(contract, "a")
        XCTAssertEqual(withContract.recordings[0].windows.map(\.start), [0, 2.5, 5, 7.5], "the checkpoint's 2.5-s windows")
        XCTAssertEqual(withContract.thresholds, [0.99, 0.98, 0.97], "the checkpoint's own thresholds")
        // The options still win.
        let (overridden, _) = try detect(contract, "b", ["--window", "5", "--threshold", "0.3"])
        XCTAssertEqual(overridden.recordings[0].windows.map(\.start), [0, 5])
        XCTAssertEqual(overridden.thresholds, [0.3, 0.3, 0.3])
        // An older checkpoint: 5-s windows, 0.5 without a thresholds.json beside it, unscaled input
        // (same weights, so the scores differ only through the scaling).
        let (old, oldScores) = try detect(legacy, "c")
        XCTAssertEqual(old.recordings[0].windows.map(\.start), [0, 5])
        XCTAssertEqual(old.thresholds, [0.5, 0.5, 0.5])
        let (scaledFiveSecond, scaledScores) = try detect(contract, "d", ["--window", "5"])
        XCTAssertEqual(scaledFiveSecond.recordings[0].windows.count, 2)
        XCTAssertNotEqual(scaledScores, oldScores, "the contract's (dB + 40) / 20 scaling must reach the model")
        XCTAssertNotEqual(contractScores, scaledScores)
    }

    func testPredictAppliesTheCheckpointsScalingToAudioAndLogMels() throws {
        let (_, contract) = try checkpoints(adding: ["input": try contractJSON(window: 5, normalization: .decibelsAround40)])
        let wav = dir + "/rec.wav", npy = dir + "/rec.npy"
        XCTAssertEqual(try CLI.run(["synth", "example", "--out", wav, "--seconds", "3"]).status, 0)
        XCTAssertEqual(try CLI.run(["spectrogram", wav, "--out", npy]).status, 0)
        for input in [wav, npy] {
            let r = try CLI.run(["predict", "--checkpoint", contract, input, "--out", input + ".npz"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let fromAudio = try NPZ.read(wav + ".npz")["clipwise"]!.floats(), fromMel = try NPZ.read(npy + ".npz")["clipwise"]!.floats()
        XCTAssertEqual(fromAudio.count, 3)
        for (a, b) in zip(fromAudio, fromMel) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testAContractOutOfRangeIsRefusedNamingTheCheckpoint() throws {
        let (_, huge) = try checkpoints(adding: ["input": try contractJSON(window: 5, normalization: .identity, nFFT: 1 << 30)])
        let wav = dir + "/rec.wav"
        XCTAssertEqual(try CLI.run(["synth", "example", "--out", wav, "--seconds", "2"]).status, 0)
        let r = try CLI.run(["detect", "--checkpoint", huge, wav, "--out", dir + "/out"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("contract.safetensors") && r.stderr.contains("1073741824"), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        let (_, garbled) = try checkpoints(adding: ["input": "{not json", "thresholds": thresholdsJSON([0.5, 0.5, 0.5])])
        let g = try CLI.run(["predict", "--checkpoint", garbled, wav, "--out", dir + "/p.npz"])
        XCTAssertNotEqual(g.status, 0)
        XCTAssertTrue(g.stderr.contains("input contract"), g.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/p.npz"))
    }

    func testTrainRefusesDataThatCannotTrainBeforeAnyWork() throws {
        XCTAssertEqual(
            try CLI.run([
                "synth", "dataset", "--out", dir + "/data", "--species", "2", "--clips", "3", "--seconds", "2",
                "--format", "wav",
            ]).status, 0)
        func train(_ csv: String, _ extra: [String] = []) throws -> CLIResult {
            try CLI.run(["train", "--manifest", csv, "--audio-root", dir + "/data/train_audio", "--out", dir + "/run-\(UUID().uuidString)"] + extra)
        }
        // Every file of one class is damaged.
        let rows = try String(contentsOfFile: dir + "/data/train.csv", encoding: .utf8).split(separator: "\n").map(String.init)
        for row in rows.dropFirst() where row.hasPrefix("syn02") {
            let name = row.split(separator: ",").last!
            try Data("not audio at all".utf8).write(to: URL(fileURLWithPath: dir + "/data/train_audio/" + name))
        }
        let broken = try train(dir + "/data/train.csv")
        XCTAssertNotEqual(broken.status, 0)
        XCTAssertTrue(broken.stderr.contains("syn02") && broken.stderr.contains("no usable recording"), broken.stderr)
        // A manifest with a header and no row.
        try (rows[0] + "\n").write(toFile: dir + "/empty.csv", atomically: true, encoding: .utf8)
        let empty = try train(dir + "/empty.csv")
        XCTAssertNotEqual(empty.status, 0)
        XCTAssertTrue(empty.stderr.contains("empty.csv"), empty.stderr)
        // A budget of less than one batch.
        let tiny = try train(dir + "/data/train.csv", ["--examples-per-epoch", "8", "--batch-size", "16"])
        XCTAssertNotEqual(tiny.status, 0)
        XCTAssertTrue(tiny.stderr.contains("--examples-per-epoch (8) must hold at least one batch"), tiny.stderr)
        for r in [broken, empty, tiny] { XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr) }
        // Absurd budgets and sizes are refused at once, naming the option (they trapped on an
        // overflow, spun for ever or allocated without limit).
        for (flag, value) in [
            ("--epochs", "9223372036854775807"), ("--examples-per-epoch", "9223372036854775807"),
            ("--workers", "100000000"), ("--batch-size", "1000000"), ("--gru-hidden", "10000000"),
            ("--learning-rate", "inf"), ("--crop-seconds", "1e30"),
        ] {
            let r = try train(dir + "/data/train.csv", [flag, value])
            XCTAssertEqual(r.status, 64, "\(flag) \(value): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(flag), r.stderr)
        }
    }
}
