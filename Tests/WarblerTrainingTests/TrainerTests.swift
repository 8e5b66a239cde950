// The trainer on a tiny model and synthetic batches: it learns, writes its files, and a run
// interrupted mid-epoch and resumed reproduces the uninterrupted run's losses exactly.
import Foundation
import WarblerIO
import WarblerNN
import WarblerTensor
import WarblerFeatures
import WarblerMetrics
import XCTest
@testable import WarblerTraining

/// x [B, 1, T, F] -> per-frame logits from a linear map of the F bins -> framewise sigmoid;
/// clipwise = mean over frames. Deliberately small: the point is the loop, not the model.
final class TinyClipModel: ClipModel {
    let linear: Linear
    var dropout: Dropout
    init(bins: Int, classes: Int, seed: UInt64) throws {
        var g = SeededGenerator(seed: seed)
        linear = try Linear(inputFeatures: bins, outputFeatures: classes, generator: &g)
        dropout = try Dropout(probability: 0.2, seed: 1)
    }
    func scores(_ x: Tensor) throws -> (clipwise: Tensor, framewise: Tensor) {
        let (b, t, f) = (x.shape[0], x.shape[2], x.shape[3])
        let frames = try dropout(try x.reshaped(b, t, f))
        let framewise = try linear(frames).sigmoid()
        return (try framewise.mean(axes: [1]), framewise)
    }
    func parameters() -> [(String, Tensor)] { linear.parameters() }
    func stateDict() -> [String: Tensor] { linear.stateDict() }
    func loadWeights(_ stateDict: [String: Tensor]) throws { try linear.load(stateDict: stateDict) }
    func setTraining(_ training: Bool) { dropout.isTraining = training }
    func reseed(_ seed: UInt64) { dropout.generator = SeededGenerator(seed: seed) }
}

/// Class k present: bins 4k..<4k+4 are loud in its frames. Batch (epoch, index) is a pure
/// function of its arguments; `failAt` simulates a kill when that batch is asked for.
final class BandBatches: TrainingBatchSource {
    let classes = 3, bins = 12, frames = 10, batchSize = 8
    let batchesPerEpoch = 6
    var failAt: (epoch: Int, index: Int)?
    var waitSeconds: Double { 0 }

    func example(_ seed: UInt64) -> ([Float], [Float]) {
        var g = SeededGenerator(seed: seed)
        let present = (0..<classes).map { _ in Bool.random(using: &g) }
        var x = [Float](repeating: 0, count: frames * bins)
        for t in 0..<frames {
            for b in 0..<bins { x[t * bins + b] = Float.random(in: -0.3..<0.3, using: &g) }
            for k in 0..<classes where present[k] && t >= 3 && t < 8 { for b in 4 * k..<4 * k + 4 { x[t * bins + b] += 1 } }
        }
        return (x, present.map { $0 ? 1 : 0 })
    }

    func batch(epoch: Int, index: Int) throws -> ModelBatch {
        if let f = failAt, f == (epoch, index) { throw TrainingError("killed") }
        var xs: [Float] = [], ys: [Float] = []
        for i in 0..<batchSize {
            let (x, y) = example(UInt64(epoch * 1_000 + index * batchSize + i))
            xs += x
            ys += y
        }
        return ModelBatch(inputs: try Tensor(xs, shape: [batchSize, 1, frames, bins]), targets: try Tensor(ys, shape: [batchSize, classes]))
    }

    func validation() throws -> ValidationSet {
        var inputs: [Tensor] = [], truth: [Set<String>] = []
        for chunk in 0..<4 {
            var xs: [Float] = []
            for i in 0..<8 {
                let (x, y) = example(UInt64(900_000 + chunk * 8 + i))
                xs += x
                truth.append(Set((0..<classes).filter { y[$0] > 0 }.map { "c\($0)" }))
            }
            inputs.append(try Tensor(xs, shape: [8, 1, frames, bins]))
        }
        return ValidationSet(inputs: inputs, truth: truth)
    }
}

final class TrainerTests: XCTestCase {
    let classes = ["c0", "c1", "c2"]

    private func runDir(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "warbler-train-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        return dir
    }

    private func trainer(_ dir: String, data: BandBatches, epochs: Int = 4, ema: Float? = nil) throws -> Trainer {
        var c = TrainConfig()
        (c.epochs, c.learningRate, c.seed, c.emaDecay) = (epochs, 0.05, 3, ema)
        return try Trainer(
            model: try TinyClipModel(bins: 12, classes: 3, seed: 1), classes: classes, config: c, runDir: dir,
            data: data, validation: try data.validation()
        ) { weights, path, metadata in
            try SafeTensors.write(weights, metadata: metadata, to: path)
        }
    }

    func testLearnsAndWritesItsFiles() throws {
        let dir = runDir("learn")
        let t = try trainer(dir, data: BandBatches())
        var steps = 0
        try t.train(progress: { step, total, _, _ in
            steps = step; XCTAssertEqual(total, 24)
        })
        XCTAssertEqual(steps, 24)
        let h = t.state.history
        XCTAssertEqual(h.count, 4)
        XCTAssertLessThan(h.last!.trainLoss, h.first!.trainLoss)
        XCTAssertGreaterThan(h.last!.validationF1, 0.9, "\(h.map(\.validationF1))")
        for f in ["best.safetensors", "last.safetensors", "last.state.safetensors", "thresholds.json", "metrics.jsonl", "curves.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/" + f), f)
        }
        let lines = try String(contentsOfFile: dir + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        let thresholds = try JSONDecoder().decode(ThresholdsFile.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/thresholds.json")))
        XCTAssertEqual(thresholds.classes, classes)
        XCTAssertEqual(thresholds.perClass.count, 3)
        XCTAssertEqual(thresholds.epoch, t.state.bestEpoch)
    }

    func testResumeAfterAKillMidEpochReproducesTheUninterruptedRun() throws {
        for ema: Float? in [nil, 0.9] {
            let whole = try trainer(runDir("whole"), data: BandBatches(), ema: ema)
            try whole.train()

            let dir = runDir("killed")
            let data = BandBatches()
            data.failAt = (2, 4)  // dies asking for batch 4 of epoch 3
            let first = try trainer(dir, data: data, ema: ema)
            first.checkpointEvery = 3
            XCTAssertThrowsError(try first.train())
            // A new process: fresh model and optimizer, state from the run folder.
            data.failAt = nil
            let resumed = try trainer(dir, data: data, ema: ema)
            XCTAssertTrue(resumed.canResume)
            try resumed.resume()
            XCTAssertEqual(resumed.state.epoch, 2)
            XCTAssertEqual(resumed.state.nextBatch, 3)  // the mid-epoch checkpoint after step 15
            try resumed.train()
            XCTAssertEqual(resumed.state.history.map(\.trainLoss), whole.state.history.map(\.trainLoss), "ema \(String(describing: ema))")
            XCTAssertEqual(resumed.state.history.map(\.validationF1), whole.state.history.map(\.validationF1))
            XCTAssertEqual(resumed.model.stateDict()["weight"]!.toArray(), whole.model.stateDict()["weight"]!.toArray())
            let lines = try String(contentsOfFile: dir + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(lines.count, 4, "no duplicated or missing epoch lines")
        }
    }

    func testBadConfigIsOneSentence() throws {
        var c = TrainConfig()
        c.labelSmoothing = 1.5
        XCTAssertThrowsError(try c.validate()) { XCTAssertEqual("\($0)", "label smoothing must be in [0, 1), not 1.5") }
    }
}

/// The trainer fed by the real data pipeline (cache, composer, augmentation, loader threads),
/// on the tiny synthetic set: two epochs run, validation covers every window once, the loader's
/// waiting is reported, and the run folder has its files.
final class PipelineTrainingTests: XCTestCase {
    func testTwoEpochsOnTheSyntheticSet() throws {
        let data = try TinyDataset.prepared("pipeline")
        var crop = CropConfig()
        crop.seconds = 2
        let composer = try ExampleComposer(data: data.train, augmentation: AugmentationConfig(), crop: crop, seed: 5)
        var fe = FrontEndConfig()
        fe.nMels = 32
        let loaderConfig = LoaderConfig(batchSize: 3, workers: 2, prefetch: 2)
        let source = try LoaderBatchSource(composer: composer, frontEnd: fe, config: loaderConfig)
        let validation = try LoaderBatchSource.validationSet(data: data.validation, crop: crop, frontEnd: fe, config: loaderConfig)
        XCTAssertEqual(validation.truth.count, data.validation.count)  // one 2-s window per 2-s clip
        XCTAssertTrue(validation.truth.allSatisfy { !$0.isEmpty })
        let dir = NSTemporaryDirectory() + "warbler-pipeline-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        var c = TrainConfig()
        c.epochs = 2
        let model = try TinyClipModel(bins: 32, classes: data.train.classes.count, seed: 2)
        let trainer = try Trainer(
            model: model, classes: data.train.classes.labels, config: c, runDir: dir, data: source,
            validation: validation
        ) { w, path, meta in try SafeTensors.write(w, metadata: meta, to: path) }
        try trainer.train()
        XCTAssertEqual(trainer.state.history.count, 2)
        XCTAssertTrue(trainer.state.history.allSatisfy { $0.trainLoss.isFinite && $0.idleSeconds >= 0 })
        XCTAssertEqual(trainer.state.step, 2 * source.batchesPerEpoch)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/thresholds.json"))
    }
}
