// The training loop of the seed's recipe: AdamW with linear warm-up and cosine decay, loss =
// BCE(clipwise) + w * BCE(max over time of framewise), optional label smoothing, gradient
// clipping by global norm and an EMA of the weights; validation each epoch (row-wise micro F1
// with the global threshold chosen on it, mAP, padded cmAP, per-class AP and thresholds, the
// validation loss); the best checkpoint by a rule a saturated F1 cannot fool (`isNewBest`);
// checkpoints written atomically (best and last, each carrying its thresholds in its metadata)
// with the optimizer and trainer state, so
// `resume()` continues exactly: batches are a function of (epoch, index), dropout is reseeded
// from (seed, step), and a run killed at any point and resumed reaches the same losses as an
// uninterrupted one.
import Foundation
import WarblerIO
import WarblerMetrics
import WarblerNN
import WarblerTensor

public final class Trainer {
    public let model: ClipModel
    public let classes: [String]
    public let config: TrainConfig
    public let runDir: String
    public let data: TrainingBatchSource
    public let validation: ValidationSet
    /// Writes the model's weights as a checkpoint (the model's own format: config metadata
    /// and all); `metadata` (classes, epoch, thresholds) is added to the file's metadata.
    let writeCheckpoint: (_ weights: [String: Tensor], _ path: String, _ metadata: [String: String]) throws -> Void
    let optimizer: AdamW
    let schedule: CosineWarmupSchedule
    public private(set) var state = TrainerState()
    var ema: [String: Tensor]?
    /// Steps between mid-epoch checkpoints (nil: only at the end of each epoch).
    public var checkpointEvery: Int?
    /// Asked before each step; true writes the last checkpoint at that step and stops
    /// (`TrainingInterrupted`), so `resume()` continues exactly from there.
    public var shouldStop: () -> Bool = { false }

    public var totalSteps: Int { config.epochs * data.batchesPerEpoch }
    var lastPath: String { runDir + "/last.safetensors" }
    var statePath: String { runDir + "/last.state.safetensors" }
    var bestPath: String { runDir + "/best.safetensors" }
    public var thresholdsPath: String { runDir + "/thresholds.json" }
    public var metricsPath: String { runDir + "/metrics.jsonl" }
    public var curvesPath: String { runDir + "/curves.png" }

    public init(
        model: ClipModel, classes: [String], config: TrainConfig, runDir: String, data: TrainingBatchSource,
        validation: ValidationSet,
        writeCheckpoint: @escaping (_ weights: [String: Tensor], _ path: String, _ metadata: [String: String]) throws -> Void
    ) throws {
        try config.validate()
        guard data.batchesPerEpoch > 0 else { throw TrainingError("the training set gives no batch (is it smaller than one batch?)") }
        guard !validation.truth.isEmpty else { throw TrainingError("the validation set is empty") }
        self.model = model
        self.classes = classes
        self.config = config
        self.runDir = runDir
        self.data = data
        self.validation = validation
        self.writeCheckpoint = writeCheckpoint
        optimizer = try AdamW(parameters: model.parameters().map(\.1), learningRate: config.learningRate, weightDecay: config.weightDecay)
        let steps = config.epochs * data.batchesPerEpoch
        schedule = CosineWarmupSchedule(
            baseLearningRate: config.learningRate,
            warmupSteps: Int((Double(steps) * config.warmupShare).rounded()), totalSteps: steps)
        if config.emaDecay != nil { ema = try Self.copy(model.stateDict()) }
        try FileManager.default.createDirectory(atPath: runDir, withIntermediateDirectories: true)
    }

    static func copy(_ d: [String: Tensor]) throws -> [String: Tensor] {
        try d.mapValues { try $0.copied() }
    }

    /// Whether `runDir` holds a run to resume.
    public var canResume: Bool { FileManager.default.fileExists(atPath: statePath) }

    /// Settings besides `TrainConfig` that a resumed run must share with the run it continues
    /// (data, batch size, architecture, augmentation, ...: whatever changes the batches or the
    /// model), by name. Stored in last.state.safetensors; `resume()` refuses any that differ.
    public var runSettings: [String: String] = [:]

    /// The key prefix of the weights inside last.state.safetensors.
    static let weightsPrefix = "model."

    /// Loads the last checkpoint's weights, optimizer, EMA and trainer state, all from
    /// last.state.safetensors, which holds them as one unit (written in one atomic rename), so
    /// a run killed at any moment resumes from one consistent step. Refuses a run whose
    /// TrainConfig or `runSettings` differ from this one's, naming what differs.
    public func resume() throws {
        let saved = try SafeTensors.read(statePath)
        guard let json = saved.metadata["trainer_state"], let s = try? JSONDecoder().decode(TrainerState.self, from: Data(json.utf8)) else {
            throw TrainingError("\(statePath): no trainer state in its metadata (not written by warbler train?)")
        }
        if let c = saved.metadata["classes"], c != Self.json(classes) {
            throw TrainingError("\(statePath): the run was trained on other classes than this manifest gives")
        }
        // Every differing setting, named with its old and new value, in one message.
        var differing: [String] = []
        if let savedConfig = saved.metadata["train_config"] { differing += Self.differingFields(savedConfig, Self.json(config)) }
        if let savedSettings = saved.metadata["run_settings"] { differing += Self.differingFields(savedSettings, Self.json(runSettings)) }
        if !differing.isEmpty {
            throw TrainingError(
                "\(runDir): --resume must continue with the run's own settings, but "
                    + differing.joined(separator: ", ") + " differ"
                    + " (start a new run in another --out to change them)")
        }
        var weights: [String: Tensor] = [:]
        for (k, v) in saved.tensors where k.hasPrefix(Self.weightsPrefix) { weights[String(k.dropFirst(Self.weightsPrefix.count))] = v }
        if weights.isEmpty {
            // A run from before the state file held the weights: they are in last.safetensors.
            weights = try SafeTensors.read(lastPath).tensors
        }
        if let step = saved.metadata["step"], step != String(s.step) {
            throw TrainingError("\(statePath): its step (\(step)) disagrees with its trainer state (\(s.step)); the file is damaged")
        }
        try model.loadWeights(weights)
        try optimizer.load(stateDict: saved.tensors.filter { $0.key.hasPrefix("state.") })
        if ema != nil {
            // On the live weights' device (a model training on a GPU).
            let live = model.stateDict()
            ema = try Self.copy(
                Dictionary(
                    uniqueKeysWithValues: try saved.tensors.filter { $0.key.hasPrefix("ema.") }
                        .map { key, value in
                            let name = String(key.dropFirst(4))
                            return (name, try value.on(live[name]?.device ?? value.device))
                        }))
        }
        state = s
    }

    /// The top-level fields whose values differ between two JSON objects, as "name (was A, now B)".
    static func differingFields(_ saved: String, _ current: String) -> [String] {
        guard let a = try? JSONSerialization.jsonObject(with: Data(saved.utf8)) as? [String: Any],
            let b = try? JSONSerialization.jsonObject(with: Data(current.utf8)) as? [String: Any]
        else {
            return saved == current ? [] : ["the settings"]
        }
        func text(_ v: Any?) -> String {
            guard let v, !(v is NSNull) else { return "none" }
            if let d = try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .fragmentsAllowed]) {
                return String(decoding: d, as: UTF8.self)
            }
            return "\(v)"
        }
        return Set(a.keys).union(b.keys).sorted().compactMap { k in
            let (x, y) = (text(a[k]), text(b[k]))
            return x == y ? nil : "\(k) (was \(x), now \(y))"
        }
    }

    static func json(_ v: some Encodable) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: (try? e.encode(v)) ?? Data(), as: UTF8.self)
    }

    /// The loss of one batch (scalar tensor with its graph).
    func loss(_ batch: ModelBatch) throws -> Tensor {
        let s = config.labelSmoothing
        let y = s > 0 ? batch.targets * (1 - s) + s / 2 : batch.targets
        let out = try model.scores(batch.inputs)
        let clip = out.clipwise.clamped(min: 1e-7, max: 1 - 1e-7)
        var loss = try clip.binaryCrossEntropy(target: y)
        if config.framewiseLossWeight > 0 {
            let peak = try out.framewise.max(axes: [1]).clamped(min: 1e-7, max: 1 - 1e-7)
            loss = try loss + (try peak.binaryCrossEntropy(target: y)) * config.framewiseLossWeight
        }
        return loss
    }

    /// Trains until the configured number of epochs; `progress(step, totalSteps, loss,
    /// samples/s)` after each step, `epochDone` after each epoch's validation.
    public func train(
        progress: (Int, Int, Double, Double) -> Void = { _, _, _, _ in },
        epochDone: (EpochRecord) -> Void = { _ in }
    ) throws {
        var epochStart = Date(), samples = 0
        var idleAtEpochStart = data.waitSeconds
        while state.epoch < config.epochs {
            if state.nextBatch == 0 { epochStart = Date(); samples = 0; idleAtEpochStart = data.waitSeconds }
            while state.nextBatch < data.batchesPerEpoch {
                if shouldStop() {
                    try saveLast()
                    throw TrainingInterrupted(epoch: state.epoch + 1, batch: state.nextBatch, step: state.step)
                }
                let batch = try data.batch(epoch: state.epoch, index: state.nextBatch)
                model.setTraining(true)
                model.reseed(config.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(state.step))
                optimizer.zeroGrad()
                let l = try loss(batch)
                try l.backward()
                let value = Double(try l.item())
                guard value.isFinite else {
                    throw TrainingError("the loss became \(value) at step \(state.step) (epoch \(state.epoch + 1)): lower the learning rate")
                }
                if let norm = config.clipNorm { _ = clipGradNorm(optimizer.parameters, maxNorm: norm) }
                optimizer.learningRate = schedule.learningRate(at: state.step)
                try optimizer.step()
                try updateEMA()
                state.step += 1
                state.nextBatch += 1
                state.epochLossSum += value
                state.epochLossCount += 1
                samples += batch.inputs.shape[0]
                let elapsed = Date().timeIntervalSince(epochStart)
                progress(state.step, totalSteps, state.epochLossSum / Double(state.epochLossCount), Double(samples) / max(elapsed, 1e-9))
                if let every = checkpointEvery, state.step % every == 0, state.nextBatch < data.batchesPerEpoch {
                    try saveLast()
                }
            }
            let seconds = Date().timeIntervalSince(epochStart)
            let v = try validate()
            let record = EpochRecord(
                epoch: state.epoch + 1, step: state.step, trainLoss: state.epochLossSum / Double(max(state.epochLossCount, 1)),
                learningRate: optimizer.learningRate, seconds: seconds, samplesPerSecond: Double(samples) / max(seconds, 1e-9),
                idleSeconds: data.waitSeconds - idleAtEpochStart, validationF1: v.f1, validationThreshold: v.threshold,
                validationF1AtFixedThreshold: v.f1AtFixed, validationMAP: v.mAP, validationCMAP: v.cmAP, perClassAP: v.perClassAP,
                validationLoss: v.loss, perClassThresholds: v.perClassThresholds)
            state.history.append(record)
            state.epoch += 1
            state.nextBatch = 0
            state.epochLossSum = 0
            state.epochLossCount = 0
            let top = max(state.topF1 ?? state.bestF1, v.f1)
            if Self.isNewBest(
                f1: v.f1, loss: v.loss, bestF1: state.bestF1, bestLoss: state.bestLoss, topF1: top,
                tolerance: config.bestF1Tolerance)
            {
                state.bestF1 = v.f1
                state.bestLoss = v.loss
                state.bestEpoch = record.epoch
                let t = thresholds(record)
                try writeCheckpoint(try weightsForSaving(), bestPath, metadata(epoch: record.epoch, thresholds: t))
                let e = JSONEncoder()
                e.outputFormatting = [.prettyPrinted, .sortedKeys]
                try AtomicFile.write(try e.encode(t), to: thresholdsPath)
            }
            state.topF1 = top
            try saveLast()
            try writeLog()
            epochDone(record)
        }
    }

    /// Whether an epoch with validation `f1` and `loss` replaces the best checkpoint so far
    /// (`bestF1`, `bestLoss`), given the highest F1 of any epoch including this one (`topF1`).
    /// Every epoch within `tolerance` of the top F1 is a contender, and among contenders the
    /// lower validation loss wins: once F1 saturates (1.0 on a small, easy validation set) the
    /// loss still tells the epochs apart, where "first to reach the top" would keep an early,
    /// poorly calibrated model. Comparing with the top F1 rather than the current best's keeps
    /// the choice from drifting down by a tolerance at a time.
    public static func isNewBest(
        f1: Double, loss: Double, bestF1: Double, bestLoss: Double?, topF1: Double,
        tolerance: Double
    ) -> Bool {
        guard f1 >= topF1 - tolerance else { return false }
        guard let bestLoss, bestF1 >= topF1 - tolerance else { return true }
        return loss < bestLoss
    }

    /// The thresholds chosen at the validation of `record`.
    func thresholds(_ record: EpochRecord) -> ThresholdsFile {
        ThresholdsFile(
            classes: classes, global: record.validationThreshold,
            perClass: record.perClassThresholds ?? Array(repeating: record.validationThreshold, count: classes.count),
            epoch: record.epoch, validationF1: record.validationF1)
    }

    /// A checkpoint's metadata: classes, epoch and the thresholds that go with its weights.
    func metadata(epoch: Int?, thresholds: ThresholdsFile?) -> [String: String] {
        var m = ["classes": Self.json(classes)]
        if let epoch { m["epoch"] = String(epoch) }
        if let thresholds { m[ThresholdsFile.metadataKey] = Self.json(thresholds) }
        return m
    }

    /// EMA weights when enabled, else the model's.
    func weightsForSaving() throws -> [String: Tensor] { ema ?? model.stateDict() }

    func updateEMA() throws {
        guard let decay = config.emaDecay, let shadow = ema else { return }
        // The shadow tensors are updated in place: shadow = decay shadow + (1 - decay) live.
        try GradMode.withoutGradients {
            for (name, live) in model.stateDict() {
                guard let s = shadow[name] else { continue }
                try s.copy(from: s * decay + live * (1 - decay))
            }
        }
    }

    /// Writes last.state.safetensors: the weights ("model.*"), optimizer ("state.*"), EMA
    /// ("ema.*") and trainer state of this step, one file renamed into place at once, so it can
    /// never pair one step's weights with another's state. Then last.safetensors, the same
    /// weights as an ordinary checkpoint for users (resume never reads it).
    func saveLast() throws {
        let done = state.history.last
        var tensors = optimizer.stateDict()
        for (k, v) in model.stateDict() { tensors[Self.weightsPrefix + k] = v }
        for (k, v) in ema ?? [:] { tensors["ema." + k] = v }
        try SafeTensors.write(
            tensors,
            metadata: [
                "trainer_state": Self.json(state), "classes": Self.json(classes),
                "train_config": Self.json(config), "run_settings": Self.json(runSettings),
                "step": String(state.step),
            ], to: statePath)
        try writeCheckpoint(model.stateDict(), lastPath, metadata(epoch: done?.epoch, thresholds: done.map(thresholds)))
    }

    func writeLog() throws {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let lines = try state.history.map { String(decoding: try e.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(lines.utf8), to: metricsPath)
        try TrainingCurves.render(state.history, bestEpoch: state.bestEpoch).writePNG(to: curvesPath)
    }

    struct ValidationResult {
        var f1: Double, threshold: Float, f1AtFixed: Double
        /// Mean BCE of the clipwise scores over rows and classes.
        var loss: Double
        var mAP: Double?, cmAP: Double?
        var perClassAP: [String: Double]
        var perClassThresholds: [Float]
    }

    /// Scores the validation rows (EMA weights when enabled) and computes the metrics.
    func validate() throws -> ValidationResult {
        var saved: [String: Tensor]?
        if let ema {
            saved = try Self.copy(model.stateDict())
            try model.loadWeights(ema)
        }
        defer { if let saved { try? model.loadWeights(saved) } }
        model.setTraining(false)
        var scores: [[Float]] = []
        try GradMode.withoutGradients {
            for x in validation.inputs {
                let c = try model.scores(x).clipwise
                let k = c.shape[1], flat = c.toArray()
                for i in 0..<c.shape[0] { scores.append(Array(flat[i * k..<(i + 1) * k])) }
            }
        }
        let truthTable = validation.truth.map { t in classes.map { t.contains($0) } }
        let best = Thresholds.robustGlobal(scores: scores, truth: validation.truth, classes: classes)
        let fixed = RowWiseF1.score(
            truth: validation.truth,
            predicted: scores.map { Thresholds.labels($0, classes: classes) { _ in self.config.threshold } })
        let macro = AveragePrecision.macro(scores: scores, truth: truthTable)
        var perClass: [String: Double] = [:]
        for (c, ap) in zip(classes, macro.perClass) { if let ap { perClass[c] = ap } }
        var loss = 0.0
        for (row, t) in zip(scores, truthTable) {
            for (s, y) in zip(row, t) {
                let p = min(max(Double(s), 1e-7), 1 - 1e-7)
                loss -= y ? log(p) : log(1 - p)
            }
        }
        loss /= Double(max(1, scores.count * classes.count))
        return ValidationResult(
            f1: best.f1, threshold: best.threshold, f1AtFixed: fixed, loss: loss, mAP: macro.mean,
            cmAP: AveragePrecision.paddedCMAP(scores: scores, truth: truthTable), perClassAP: perClass,
            perClassThresholds: Thresholds.robustPerClass(scores: scores, truth: truthTable, global: best.threshold))
    }
}

/// Training stopped on request after `step` steps, with last.state.safetensors written at that
/// point; `epoch` (from 1) and `batch` (from 0) are where a resumed run goes on.
public struct TrainingInterrupted: Error, CustomStringConvertible, Sendable {
    public let epoch: Int
    public let batch: Int
    public let step: Int
    public var description: String { "stopped after step \(step) (next: epoch \(epoch), batch \(batch + 1))" }
}
