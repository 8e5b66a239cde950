// Run state that cannot tear (issue 12, part B): last.state.safetensors holds the weights with
// the optimizer and trainer state, so a last.safetensors from another step beside it (a kill
// between two renames, or a hand-copied file) cannot change what --resume continues; a resume
// with other settings is refused, naming them; a stop request writes the checkpoint at a step
// boundary and resuming from it reproduces the uninterrupted run; a cache that cannot be
// written stops the run instead of shrinking the data set.
import Foundation
import WarblerAudio
import WarblerIO
import WarblerNN
import XCTest
@testable import WarblerTraining

final class RunStateTests: XCTestCase {
    let classes = ["c0", "c1", "c2"]

    private func runDir(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "warbler-runstate-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        return dir
    }

    private func trainer(_ dir: String, data: BandBatches, epochs: Int = 4, seed: UInt64 = 3) throws -> Trainer {
        var c = TrainConfig()
        (c.epochs, c.learningRate, c.seed) = (epochs, 0.05, seed)
        return try Trainer(
            model: try TinyClipModel(bins: 12, classes: 3, seed: 1), classes: classes, config: c, runDir: dir,
            data: data, validation: try data.validation()
        ) { weights, path, metadata in
            try SafeTensors.write(weights, metadata: metadata, to: path)
        }
    }

    func testResumeReadsTheWeightsFromTheStateFileOnly() throws {
        let whole = try trainer(runDir("whole"), data: BandBatches())
        try whole.train()
        let dir = runDir("torn")
        let data = BandBatches()
        data.failAt = (2, 4)
        let first = try trainer(dir, data: data)
        first.checkpointEvery = 3
        XCTAssertThrowsError(try first.train())
        let state = try SafeTensors.read(dir + "/last.state.safetensors")
        XCTAssertTrue(state.tensors.keys.contains { $0.hasPrefix("model.") }, "the state file holds the weights")
        XCTAssertEqual(state.metadata["step"], "15")
        // A kill between the two renames used to leave new weights beside the old state: put the
        // finished run's weights there; resuming must not pick them up.
        try FileManager.default.removeItem(atPath: dir + "/last.safetensors")
        try FileManager.default.copyItem(atPath: whole.runDir + "/last.safetensors", toPath: dir + "/last.safetensors")
        data.failAt = nil
        let resumed = try trainer(dir, data: data)
        try resumed.resume()
        try resumed.train()
        XCTAssertEqual(resumed.state.history.map(\.trainLoss), whole.state.history.map(\.trainLoss))
        XCTAssertEqual(resumed.model.stateDict()["weight"]!.toArray(), whole.model.stateDict()["weight"]!.toArray())
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])
    }

    func testResumeRefusesOtherSettingsNamingThem() throws {
        let dir = runDir("settings")
        let first = try trainer(dir, data: BandBatches(), epochs: 1)
        first.runSettings = ["batch-size": "8", "arch": "warbler-small"]
        try first.train()
        let moreEpochs = try trainer(dir, data: BandBatches(), epochs: 2, seed: 4)
        moreEpochs.runSettings = first.runSettings
        XCTAssertThrowsError(try moreEpochs.resume()) {
            XCTAssertTrue("\($0)".contains("epochs (was 1, now 2)"), "\($0)")
            XCTAssertTrue("\($0)".contains("seed (was 3, now 4)"), "\($0)")
        }
        let otherBatch = try trainer(dir, data: BandBatches(), epochs: 1)
        otherBatch.runSettings = ["batch-size": "4", "arch": "warbler-small"]
        XCTAssertThrowsError(try otherBatch.resume()) {
            XCTAssertTrue("\($0)".contains("batch-size (was \"8\", now \"4\")"), "\($0)")
            XCTAssertFalse("\($0)".contains("arch"), "\($0)")
        }
        let same = try trainer(dir, data: BandBatches(), epochs: 1)
        same.runSettings = first.runSettings
        XCTAssertNoThrow(try same.resume())
    }

    func testAStopRequestCheckpointsAtAStepAndResumesExactly() throws {
        let whole = try trainer(runDir("whole-stop"), data: BandBatches())
        try whole.train()
        let dir = runDir("stopped")
        let first = try trainer(dir, data: BandBatches())
        var steps = 0
        first.shouldStop = { steps >= 9 }
        XCTAssertThrowsError(try first.train(progress: { s, _, _, _ in steps = s })) { error in
            guard let e = error as? TrainingInterrupted else { return XCTFail("\(error)") }
            XCTAssertEqual(e.step, 9)
            XCTAssertEqual(e.epoch, 2)  // 6 batches per epoch: the 4th batch of epoch 2 is next
            XCTAssertEqual(e.batch, 3)
        }
        let resumed = try trainer(dir, data: BandBatches())
        try resumed.resume()
        XCTAssertEqual(resumed.state.step, 9)
        try resumed.train()
        XCTAssertEqual(resumed.state.history.map(\.trainLoss), whole.state.history.map(\.trainLoss))
    }

    func testACacheWriteFailureStopsTheRunInsteadOfSkippingTheFile() throws {
        let dir = try Scratch.folder("cache-full")
        let good = dir + "/good.wav", bad = dir + "/bad.wav"
        try AudioWriter.write(Signals.tone(440, count: 16_000), sampleRate: 16_000, to: good)
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: bad))
        let cache = try AudioCache(directory: dir + "/cache")
        cache.writeHook = { path in throw FileError(path: path, reason: "writing failed (No space left on device).") }
        XCTAssertThrowsError(try cache.load([good, bad])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("writing the audio cache failed for 1 recording"), text)
            XCTAssertTrue(text.contains("good.wav"), text)
            XCTAssertTrue(text.contains("No space left on device"), text)
        }
        // With space again the same cache loads; the bad file alone is skipped (a warning).
        cache.writeHook = nil
        let load = try cache.load([good, bad])
        XCTAssertEqual(load.audio.count, 1)
        XCTAssertEqual(load.failures.map(\.path), [bad])
    }
}
