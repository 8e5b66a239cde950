// One `warbler train` run as one library entry point: the manifest in whichever layout, the
// split and prepared data, the model (fresh, or from --init-from), the loader and field-like
// validation set, then either the exported batches (`warbler-bench export-batches`) or the
// trainer (resume, device, train_config.json, checkpoints). The command line parses the
// options, makes a `TrainingJob`, and prints what the observer tells it.
import Foundation
import WarblerFeatures
import WarblerIO
import WarblerModels
import WarblerNN
import WarblerTensor

/// What a training run is asked to do (the options of `warbler train`).
public struct TrainingJobSettings {
    public var manifest: String
    public var audioRoot: String?
    public var out: String
    public var arch: String?
    public var initFrom: String?
    public var epochs = 10
    public var seed: UInt64 = 0
    public var resume = false
    public var batchSize = 16
    public var learningRate: Float = 1e-3
    public var validationFraction = 0.2
    public var timeSplitBelow = 4
    public var examplesPerEpoch = 1024
    public var gruHidden: Int?
    public var cropSeconds = 5.0
    public var noCallShare = 0.2
    public var backgrounds: String?
    public var cache: String?
    public var workers = 2
    public var emaDecay: Float?
    public var classBalanced = true
    public var ignoreUnknownSecondaryLabels = false
    public var device: Device = .cpu
    /// Threads of the front-end while the data is prepared.
    public var threads = 1

    public init(manifest: String, audioRoot: String?, out: String) {
        (self.manifest, self.audioRoot, self.out) = (manifest, audioRoot, out)
    }
}

/// What a training run tells its caller while it works (the command line prints it).
public protocol TrainingJobObserver: AnyObject {
    /// A status line (the manifest, the split, the validation set, ...).
    func say(_ line: String)
    /// A warning line (a recording skipped).
    func warn(_ line: String)
    /// The run folder is locked: install signal handlers now.
    func readyToStop()
    /// Whether a stop was asked for; checked between steps.
    var stopRequested: Bool { get }
    /// Training starts (or resumes): `done` of `total` steps are behind it.
    func starting(totalSteps total: Int, done: Int)
    /// After each step: the step, the total, the batch's loss, examples per second.
    func step(_ step: Int, of total: Int, loss: Double, examplesPerSecond: Double)
    /// After each epoch's validation.
    func epochDone(_ record: EpochRecord)
}

/// Thrown when a stop was asked for before the first step.
public struct TrainingNotStarted: Error, CustomStringConvertible, Sendable {
    public var description: String { "stopped before training started" }
}

/// A training run, assembled up to its first batch: `train()` trains, `exportBatches(to:)`
/// writes what training would see instead. The run folder stays locked while the job exists.
public final class TrainingJob {
    /// The architecture without --arch (and without --init-from a checkpoint).
    public static let defaultArch = "warbler-small"

    /// `warbler train`'s GRU width for an architecture (`model summary --arch A` describes the
    /// model that `train --arch A` makes).
    public static func defaultGRUHidden(arch: String) -> Int {
        ["warbler-small": 64, "warbler-base": 128][arch] ?? 256
    }

    public let settings: TrainingJobSettings
    let observer: TrainingJobObserver
    let lock: RunLock
    let data: PreparedData
    public let classes: [String]
    public let config: SEDConfig
    let model: SEDModel
    let initial: InitialWeights?
    let initOutcome: InitialWeights.Outcome?
    let augmentation: AugmentationConfig
    let crop: CropConfig
    let loaderConfig: LoaderConfig
    let input: ModelInput
    let source: LoaderBatchSource
    let validation: ValidationSet

    /// Reads the manifest and the weights to start from, locks the run folder, prepares the
    /// data, and builds the model, the loader and the validation set. `prepareFolder` makes (or
    /// refuses) the run folder once the --init-from weights are checked.
    public init(_ s: TrainingJobSettings, observer: TrainingJobObserver, prepareFolder: (String) throws -> Void) throws {
        settings = s
        self.observer = observer
        let out = s.out
        let statePath = out + "/last.state.safetensors"
        let hasRun = FileManager.default.fileExists(atPath: statePath)
        if s.resume && !hasRun { throw TrainingError("\(out): there is no run to resume (no last.state.safetensors)") }
        // The weights to start from: read and checked against --arch / --gru-hidden before any
        // audio is decoded.
        let initial = try s.initFrom.map { try InitialWeights(path: $0) }
        try initial?.checkSettings(arch: s.arch, gruHidden: s.gruHidden)
        try prepareFolder(out)
        // One run per output folder; with the folder ours, clear what a killed run left behind
        // (not in a cache folder, which runs in other folders may share).
        lock = try RunLock(folder: out)
        lock.removeStaleTemporaryFiles(skipping: ["cache"])
        observer.readyToStop()
        if !s.resume && FileManager.default.fileExists(atPath: statePath) {
            throw TrainingError("\(out) already holds a run: pass --resume to continue it, or choose another --out")
        }
        // A resumed run keeps its class order.
        var savedClasses: ClassList?
        if s.resume, let json = try SafeTensors.read(statePath).metadata["classes"],
            let labels = try? JSONDecoder().decode([String].self, from: Data(json.utf8))
        {
            savedClasses = ClassList(labels)
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let manifestValue = try Self.readManifest(s, classes: savedClasses)
        observer.say("\(s.manifest): \(manifestValue.entries.count) recordings of \(manifestValue.classes.count) species")
        let audioCache = try AudioCache(directory: s.cache ?? out + "/cache")
        let data = try PreparedData.prepare(
            manifest: manifestValue, cache: audioCache, validationFraction: s.validationFraction,
            seed: s.seed, timeSplitBelow: s.timeSplitBelow, backgroundFolder: s.backgrounds,
            threads: s.threads)
        for skipped in data.skipped { observer.warn("\(skipped.path): \(skipped.cause) (skipped)") }
        let classes = data.train.classes.labels
        let byTime = data.split.byTime.isEmpty ? "" : " (\(data.split.byTime.count) of them split by time)"
        observer.say("split: \(data.train.count) training and \(data.validation.count) validation recordings\(byTime)")

        let config: SEDConfig
        if let initial {
            config = try initial.modelConfig(
                classes: classes.count, arch: s.arch, gruHidden: s.gruHidden, defaultArch: Self.defaultArch,
                defaultGRUHidden: Self.defaultGRUHidden(arch:))
        } else {
            let a = s.arch ?? Self.defaultArch
            let h = s.gruHidden ?? Self.defaultGRUHidden(arch: a)
            config = try SEDConfig(arch: a, classes: classes.count, gruHidden: h, gruLayers: h > 0 ? 1 : 0)
        }
        let model = try SEDModel(config: config, seed: s.seed)
        // A resumed run takes its weights from its state file (train() below); a new one
        // starts from --init-from's.
        var initOutcome: InitialWeights.Outcome?
        if let initial, !s.resume {
            initOutcome = try initial.load(into: model, classes: classes)
            observer.say(initOutcome!.summary)
        }
        var crop = CropConfig()
        crop.seconds = s.cropSeconds
        crop.classBalanced = s.classBalanced
        var augmentation = AugmentationConfig()
        augmentation.noCallShare = s.noCallShare
        let composer = try ExampleComposer(data: data.train, augmentation: augmentation, crop: crop, seed: s.seed)
        let loaderConfig = LoaderConfig(batchSize: s.batchSize, workers: s.workers, prefetch: 2 * s.workers, examplesPerEpoch: s.examplesPerEpoch)
        // The model's input contract, written into every checkpoint: detect and predict read it.
        // With --init-from a checkpoint that has one, its front-end and value scaling.
        let defaultInput = ModelInput(frontEnd: FrontEndConfig(), normalization: .decibelsAround40, windowSeconds: s.cropSeconds)
        let input = initial?.input(fallback: defaultInput) ?? defaultInput
        let frontEnd = input.frontEnd
        let source = try LoaderBatchSource(composer: composer, frontEnd: frontEnd, config: loaderConfig, normalization: input.normalization)
        let validation = try LoaderBatchSource.fieldValidationSet(
            data: data.validation, crop: crop, frontEnd: frontEnd, config: loaderConfig,
            field: FieldValidationConfig(), seed: s.seed,
            normalization: input.normalization)
        let silent = validation.truth.filter(\.isEmpty).count
        observer.say("validation: \(validation.truth.count) field-like windows (\(validation.truth.count - silent) with calls in noise, \(silent) noise only)")
        (self.data, self.classes, self.config, self.model, self.initial, self.initOutcome) = (data, classes, config, model, initial, initOutcome)
        (self.augmentation, self.crop, self.loaderConfig, self.input, self.source, self.validation) =
            (augmentation, crop, loaderConfig, input, source, validation)
    }

    /// Reads the manifest in whichever layout it is in.
    static func readManifest(_ s: TrainingJobSettings, classes: ClassList?) throws -> Manifest {
        var isDir: ObjCBool = false
        let manifest = s.manifest
        guard FileManager.default.fileExists(atPath: manifest, isDirectory: &isDir) else { throw TrainingError("\(manifest): no such file or folder") }
        if isDir.boolValue { return try Manifest.folders(root: manifest, classes: classes) }
        guard let root = s.audioRoot else { throw TrainingError("--audio-root is needed with a CSV manifest (\(manifest))") }
        let header = try CSV.read(manifest).header
        if header.contains("primary_label") {
            return try Manifest.birdCLEF(
                csv: manifest, audioRoot: root, classes: classes,
                ignoreUnknownSecondaryLabels: s.ignoreUnknownSecondaryLabels)
        }
        if header.contains("ebird_code") { return try Manifest.cornell(csv: manifest, audioRoot: root, classes: classes) }
        throw TrainingError("\(manifest): neither a BirdCLEF (primary_label) nor a Cornell (ebird_code) train.csv")
    }

    /// Trains (or resumes) to the last epoch; returns the best epoch and its validation F1.
    /// Throws `TrainingInterrupted` when stopped between steps (last.state.safetensors holds
    /// that point) and `TrainingNotStarted` when stopped before the first.
    public func train() throws -> (bestEpoch: Int, bestF1: Double) {
        let s = settings, out = s.out
        let device = s.device
        var batches: TrainingBatchSource = source
        var validationOnDevice = validation
        if device != .cpu {
            // Decoding, augmentation and the front-end stay on the host threads, running ahead;
            // each finished batch is copied to the device, where the model trains.
            try model.move(to: device)
            batches = DeviceBatches(base: source, device: device)
            validationOnDevice.inputs = try validation.inputs.map { try $0.on(device) }
            observer.say("training on \(device)")
        }
        var trainConfig = TrainConfig()
        (trainConfig.epochs, trainConfig.seed, trainConfig.learningRate, trainConfig.emaDecay) = (s.epochs, s.seed, s.learningRate, s.emaDecay)
        let inputJSON = try input.json()
        let config = self.config
        let trainer = try Trainer(
            model: model, classes: classes, config: trainConfig, runDir: out, data: batches,
            validation: validationOnDevice
        ) { weights, path, metadata in
            try SafeTensors.write(
                weights, config: config, metadata: metadata.merging([ModelInput.metadataKey: inputJSON]) { a, _ in a },
                to: path)
        }
        trainer.checkpointEvery = max(1, source.batchesPerEpoch / 4)
        trainer.shouldStop = { [observer] in observer.stopRequested }
        let hidden = config.gruLayers > 0 ? config.gruHidden : 0
        trainer.runSettings = try runSettings(arch: config.arch, hidden: hidden)
        if s.resume {
            try trainer.resume()
            observer.say("resuming at epoch \(trainer.state.epoch + 1), batch \(trainer.state.nextBatch + 1) (step \(trainer.state.step))")
        }
        struct InitRecord: Encodable { let path: String, fingerprint: String, loaded: String? }
        struct RunRecord: Encodable {
            let manifest: String, audioRoot: String?, arch: String, model: SEDConfig, train: TrainConfig
            let augmentation: AugmentationConfig, crop: CropConfig, loader: LoaderConfig, classes: [String]
            let input: ModelInput, split: DataSplit, validation: FieldValidationConfig, initFrom: InitRecord?
        }
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        // A resumed run has the settings it was started with (resume() refused others): its
        // train_config.json stays as written then.
        if !s.resume || !FileManager.default.fileExists(atPath: out + "/train_config.json") {
            let initRecord = initial.map { InitRecord(path: $0.path, fingerprint: $0.fingerprint, loaded: initOutcome?.summary) }
            try AtomicFile.write(
                try e.encode(
                    RunRecord(
                        manifest: s.manifest, audioRoot: s.audioRoot, arch: config.arch, model: config,
                        train: trainConfig, augmentation: augmentation, crop: crop, loader: loaderConfig,
                        classes: classes, input: input, split: data.split,
                        validation: FieldValidationConfig(), initFrom: initRecord)),
                to: out + "/train_config.json")
        }
        observer.starting(totalSteps: trainer.totalSteps, done: trainer.state.step)
        if observer.stopRequested { throw TrainingNotStarted() }
        try trainer.train(
            progress: { [observer] step, total, loss, rate in
                observer.step(step, of: total, loss: loss, examplesPerSecond: rate)
            }, epochDone: { [observer] r in observer.epochDone(r) })
        return (trainer.state.bestEpoch, trainer.state.bestF1)
    }

    /// What a resumed run must share with the run it continues, besides TrainConfig (epochs,
    /// seed, learning rate, EMA): anything that changes the model or the batches. The data is
    /// fingerprinted by its file names, labels and split, so a moved data folder still resumes.
    /// --init-from is listed by its file name and content hash (only when given, so runs from
    /// before it existed still resume). Not listed (free to change on resume): --workers,
    /// --cache, --device.
    func runSettings(arch: String, hidden: Int) throws -> [String: String] {
        let s = settings
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        func json(_ v: some Encodable) throws -> String { String(decoding: try e.encode(v), as: UTF8.self) }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        let entries = data.manifest.entries.map { [($0.path as NSString).lastPathComponent, $0.primaryLabel] + $0.secondaryLabels }
        for b in (try json(entries) + (try json(data.split))).utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let backgroundNames = try s.backgrounds.map { try PreparedData.backgroundFiles(in: $0).map { ($0 as NSString).lastPathComponent } }
        var settings = [
            "arch": arch, "gru-hidden": String(hidden), "batch-size": String(s.batchSize),
            "examples-per-epoch": String(s.examplesPerEpoch), "validation-fraction": String(s.validationFraction),
            "time-split-below": String(s.timeSplitBelow), "crop-seconds": String(s.cropSeconds),
            "no-call-share": String(s.noCallShare), "class-balanced": String(s.classBalanced),
            "backgrounds": try json(backgroundNames ?? []),
            "augmentation": try json(augmentation), "crop": try json(crop),
            "data": String(h, radix: 16) + " (\(data.manifest.entries.count) recordings)",
        ]
        if let initial { settings["init-from"] = initial.fingerprint }
        return settings
    }

    /// Writes the exact batches training would see (e<epoch>_b<index>_x.npy [B, 1, frames, mels]
    /// and _y.npy [B, K]), the validation windows (val_<i>_x.npy), meta.json (classes, truth
    /// rows) and init.safetensors (the weights training would start from: the same seed makes
    /// the same model) into `dir`, a folder that exists; returns the line saying so.
    public func exportBatches(to dir: String) throws -> String {
        let epochs = settings.epochs
        for epoch in 0..<epochs {
            for index in 0..<source.batchesPerEpoch {
                let b = try source.batch(epoch: epoch, index: index)
                try NPY.write(b.inputs.toArray(), shape: b.inputs.shape.dims, to: "\(dir)/e\(epoch)_b\(index)_x.npy")
                try NPY.write(b.targets.toArray(), shape: b.targets.shape.dims, to: "\(dir)/e\(epoch)_b\(index)_y.npy")
            }
        }
        for (i, x) in validation.inputs.enumerated() {
            try NPY.write(x.toArray(), shape: x.shape.dims, to: "\(dir)/val_\(i)_x.npy")
        }
        struct Meta: Encodable { let classes: [String]; let truth: [[String]]; let epochs: Int; let batchesPerEpoch: Int; let validationChunks: Int }
        let meta = Meta(
            classes: classes, truth: validation.truth.map { $0.sorted() }, epochs: epochs,
            batchesPerEpoch: source.batchesPerEpoch, validationChunks: validation.inputs.count)
        try AtomicFile.write(try JSONEncoder().encode(meta), to: dir + "/meta.json")
        let line = "wrote \(epochs * source.batchesPerEpoch) training batches and \(validation.inputs.count) validation chunks to \(dir)"
        try SafeTensors.write(
            model.stateDict(), config: config, metadata: [ModelInput.metadataKey: try input.json()],
            to: dir + "/init.safetensors")
        return line
    }
}

/// A batch source whose batches are copied to `device` as they are handed out.
final class DeviceBatches: TrainingBatchSource {
    let base: TrainingBatchSource
    let device: Device

    init(base: TrainingBatchSource, device: Device) {
        self.base = base
        self.device = device
    }

    var batchesPerEpoch: Int { base.batchesPerEpoch }
    var waitSeconds: Double { base.waitSeconds }

    func batch(epoch: Int, index: Int) throws -> ModelBatch {
        let b = try base.batch(epoch: epoch, index: index)
        return ModelBatch(inputs: try b.inputs.on(device), targets: try b.targets.on(device))
    }
}
