// `warbler-bench train-replay`: Warbler's trainer on batches exported by `warbler-bench
// export-batches` (the augmented log-mels and targets of every step, the validation windows
// and the initial weights), with no data pipeline in the way: what bench/train.py compares with
// its PyTorch reference step for step. Prints one JSON line per epoch: the training loss, the
// milliseconds per step of the step alone (forward, loss, backward, clipping, AdamW; the time
// spent reading the .npy batches is left out, as the reference's timer leaves it out), and the
// validation F1 (best global threshold) and mAP, computed as `warbler train` computes them.
import ArgumentParser
import Foundation
import WarblerCommandLine
import WarblerIO
import WarblerModels
import WarblerNN
import WarblerTensor
import WarblerTraining

extension BenchCommand {
    struct TrainReplayBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train-replay", abstract: "Train on batches exported by `warbler-bench export-batches` and time the steps.")

        @Option(help: "Folder written by `warbler-bench export-batches`.")
        var batches: String
        @Option(help: "Run folder for the checkpoints.")
        var out: String
        @Option(help: "Peak learning rate (AdamW, warm-up then cosine), as the exporting run's.")
        var learningRate: Float = 1e-3
        @Option(help: "Random seed (dropout), as the exporting run's.")
        var seed: UInt64 = 0

        struct Meta: Decodable {
            let classes: [String]
            let truth: [[String]]
            let epochs: Int
            let batchesPerEpoch: Int
            let validationChunks: Int
        }

        /// The exported batches, read from disk when asked for; reading counts as waiting.
        final class ExportedBatches: TrainingBatchSource {
            let dir: String
            let batchesPerEpoch: Int
            private(set) var waitSeconds = 0.0

            init(dir: String, batchesPerEpoch: Int) {
                self.dir = dir
                self.batchesPerEpoch = batchesPerEpoch
            }

            func batch(epoch: Int, index: Int) throws -> ModelBatch {
                let t0 = Date()
                defer { waitSeconds += Date().timeIntervalSince(t0) }
                return ModelBatch(
                    inputs: try TrainReplayBench.tensor("\(dir)/e\(epoch)_b\(index)_x.npy"),
                    targets: try TrainReplayBench.tensor("\(dir)/e\(epoch)_b\(index)_y.npy"))
            }
        }

        static func tensor(_ path: String) throws -> Tensor {
            let a = try NPY.read(path)
            return try Tensor(a.floats(), shape: Shape(a.shape))
        }

        func run() throws {
            let meta = try JSONDecoder().decode(Meta.self, from: Data(contentsOf: URL(fileURLWithPath: batches + "/meta.json")))
            let model = try SEDModel(checkpoint: batches + "/init.safetensors")
            let data = ExportedBatches(dir: batches, batchesPerEpoch: meta.batchesPerEpoch)
            let validation = ValidationSet(
                inputs: try (0..<meta.validationChunks).map { try Self.tensor("\(batches)/val_\($0)_x.npy") },
                truth: meta.truth.map(Set.init))
            var config = TrainConfig()
            (config.epochs, config.seed, config.learningRate) = (meta.epochs, seed, learningRate)
            let modelConfig = model.config
            let trainer = try Trainer(model: model, classes: meta.classes, config: config, runDir: out, data: data, validation: validation) {
                weights, path, metadata in try SafeTensors.write(weights, config: modelConfig, metadata: metadata, to: path)
            }
            trainer.checkpointEvery = nil
            try trainer.train(epochDone: { r in
                let steps = Double(meta.batchesPerEpoch)
                BenchCommand.emit([
                    "epoch": r.epoch, "loss": r.trainLoss, "step_ms": 1000 * (r.seconds - r.idleSeconds) / steps,
                    "f1": r.validationF1, "threshold": Double(r.validationThreshold), "mAP": r.validationMAP ?? -1,
                ])
            })
        }
    }
}
