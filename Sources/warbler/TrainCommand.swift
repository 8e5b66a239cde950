// `warbler train`: a folder of labelled recordings in, a checkpoint out, with the seed's recipe
// (WarblerTraining). Prints a progress line (loss, throughput, ETA) and one line per epoch;
// writes best.safetensors, last.safetensors (+ last.state.safetensors for --resume),
// thresholds.json, metrics.jsonl, curves.png and train_config.json into --out.
import ArgumentParser
import Foundation
import WarblerFeatures
import WarblerIO
import WarblerModels
import WarblerNN
import WarblerTensor
import WarblerTraining

struct TrainCommand: ParsableCommand {
    /// The architecture without --arch (and without --init-from a checkpoint).
    static let defaultArch = "warbler-small"

    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a detector on labelled recordings (the Cornell silver-medal recipe).",
        discussion: """
            --manifest is a BirdCLEF train.csv (primary_label, secondary_labels, filename under \
            --audio-root), a Cornell 2020 train.csv (ebird_code, filename under \
            <audio-root>/<ebird_code>/), or a folder with one subfolder of recordings per species. \
            The default architecture, warbler-small, trains in minutes on a laptop CPU; \
            --arch resnest50d is the seed's.

            The defaults are made for a handful of recordings per species and noisy field audio: \
            10 epochs of 1024 class-balanced examples (640 steps of 16, whatever the number of \
            files); 20 % of examples are noise alone with no label; 80 % get white, pink, brown or \
            wind-like field noise at 0-25 dB; calls are peak-normalised and set to a random level; \
            validation mixes the held-out calls into noise and adds noise-only windows, and picks \
            the thresholds and the best epoch on that. On birds5 (31 recordings) this takes about \
            7 minutes on 2 Zen 4 cores (11 on 2 Zen 3 cores without AVX-512); --epochs and \
            --examples-per-epoch scale it linearly.

            --init-from CKPT fine-tunes an existing model: train on 3 species, then \
            `warbler train --manifest five_species/ --init-from run3/best.safetensors --out run5` \
            keeps the backbone and GRU, and the head rows of the 3 known species, and starts the \
            2 new species' rows fresh (one line says what was loaded). --arch and --gru-hidden \
            come from the checkpoint and may not contradict it. With --resume the weights come \
            from the run's state; the --init-from file must be the same one. See docs/training.md.
            """)

    @Option(help: "train.csv (BirdCLEF or Cornell layout) or a folder of species folders.")
    var manifest: String
    @Option(help: "Folder the manifest's file names are relative to (not needed for a folder manifest).")
    var audioRoot: String?
    @Option(help: "Run folder for checkpoints, thresholds and logs.")
    var out: String
    @Option(help: "Architecture: warbler-small (the default; trains on birds5 in about 7 minutes on 2 cores), warbler-base (twice the width, about 11), resnest14d, resnest26d, resnest50d, resnest101e. With --init-from a checkpoint: the checkpoint's.")
    var arch: String?
    @Option(help: ArgumentHelp("Start from these weights instead of a random initialisation (fine-tuning): a Warbler checkpoint (from train or model init), whose architecture, GRU and front-end the run takes, with its whole model loaded when the classes are the same and otherwise its backbone and GRU plus the head rows of the classes it knows; or a timm ResNeSt state dict (.safetensors) for the backbone of --arch.", valueName: "checkpoint"))
    var initFrom: String?
    @Option(help: "Epochs (validation, thresholds and checkpoints after each).")
    var epochs = 10
    @Option(help: "Random seed (split, sampling, augmentation, initialisation).")
    var seed: UInt64 = 0
    @Flag(help: "Continue the run in --out exactly where it stopped.")
    var resume = false
    @Option(help: "Clips per batch.")
    var batchSize = 16
    @Option(help: "Peak learning rate (AdamW, warm-up then cosine).")
    var learningRate: Float = 1e-3
    @Option(help: "Share of the files held out for validation (stratified by species).")
    var validationFraction = 0.2
    @Option(help: "Species with fewer files than this are split by time instead: each file trains on its first part and validates on its last --validation-fraction.")
    var timeSplitBelow = 4
    @Option(help: "Examples per epoch, however many files there are (the training budget is epochs x this).")
    var examplesPerEpoch = 1024
    @Option(help: "GRU hidden size (default: 64 for warbler-small, 128 for warbler-base, 256 otherwise, or the --init-from checkpoint's; 0 turns the GRU off).")
    var gruHidden: Int?
    @Option(help: "Crop length, seconds.")
    var cropSeconds = 5.0
    @Option(help: "Share of training clips with no call at all (noise or background only, every label 0).")
    var noCallShare = 0.2
    @Option(help: "Folder of background recordings mixed in as noise.")
    var backgrounds: String?
    @Option(help: "Decoded-audio cache folder (default: <out>/cache).")
    var cache: String?
    @Option(help: "Loader threads.")
    var workers = 2
    @Option(help: "EMA decay of the weights used for validation and checkpoints (off by default).")
    var emaDecay: Float?
    @Flag(inversion: .prefixedNo, help: "Draw each clip's first call class-balanced (species uniform, then file); --no-class-balanced goes through the files in a shuffled order.")
    var classBalanced = true
    @Option(help: "Write every training batch and the validation set as .npy to this folder, then stop (for bench/train.py's PyTorch reference).")
    var exportBatches: String?
    @Flag(help: "Drop secondary labels of a BirdCLEF manifest that are not among its primary labels, instead of stopping (real BirdCLEF data names such species).")
    var ignoreUnknownSecondaryLabels = false
    @OptionGroup var deviceOptions: DeviceOptions

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, not \(epochs).") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, not \(batchSize).") }
        guard validationFraction > 0 && validationFraction < 1 else {
            throw ValidationError("--validation-fraction must be in (0, 1), not \(validationFraction).")
        }
        guard learningRate > 0 else { throw ValidationError("--learning-rate must be positive.") }
        guard cropSeconds > 0 else { throw ValidationError("--crop-seconds must be positive.") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1.") }
        guard examplesPerEpoch >= batchSize else {
            throw ValidationError("--examples-per-epoch (\(examplesPerEpoch)) must hold at least one batch of --batch-size (\(batchSize)).")
        }
        guard timeSplitBelow >= 0 else { throw ValidationError("--time-split-below must not be negative.") }
        guard noCallShare >= 0 && noCallShare <= 1 else { throw ValidationError("--no-call-share must be in [0, 1], not \(noCallShare).") }
        if let gruHidden { guard gruHidden >= 0 else { throw ValidationError("--gru-hidden must not be negative.") } }
        // Upper bounds: an absurd value is a typo, and would otherwise overflow a step count,
        // allocate without limit or run for years (issue 12).
        guard epochs <= 100_000 else { throw ValidationError("--epochs must be at most 100000, not \(epochs).") }
        guard batchSize <= 4096 else { throw ValidationError("--batch-size must be at most 4096, not \(batchSize).") }
        guard examplesPerEpoch <= 10_000_000 else {
            throw ValidationError("--examples-per-epoch must be at most 10000000, not \(examplesPerEpoch).")
        }
        guard workers <= 256 else { throw ValidationError("--workers must be at most 256, not \(workers).") }
        guard learningRate.isFinite, learningRate <= 10 else { throw ValidationError("--learning-rate must be finite and at most 10, not \(learningRate).") }
        guard cropSeconds.isFinite, cropSeconds <= 600 else { throw ValidationError("--crop-seconds must be at most 600, not \(cropSeconds).") }
        if let gruHidden { guard gruHidden <= 8192 else { throw ValidationError("--gru-hidden must be at most 8192, not \(gruHidden).") } }
        if let emaDecay { guard emaDecay.isFinite, emaDecay > 0, emaDecay < 1 else { throw ValidationError("--ema-decay must be in (0, 1), not \(emaDecay).") } }
    }

    func run() throws {
        do { try train() } catch let e as ExitCode { throw e } catch {
            printError(describe(error))
            throw ExitCode.failure
        }
    }

    /// Reads the manifest in whichever layout it is in.
    func readManifest(classes: ClassList?) throws -> Manifest {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: manifest, isDirectory: &isDir) else { throw TrainingError("\(manifest): no such file or folder") }
        if isDir.boolValue { return try Manifest.folders(root: manifest, classes: classes) }
        guard let root = audioRoot else { throw TrainingError("--audio-root is needed with a CSV manifest (\(manifest))") }
        let header = try CSV.read(manifest).header
        if header.contains("primary_label") { return try Manifest.birdCLEF(csv: manifest, audioRoot: root, classes: classes,
                                                                                  ignoreUnknownSecondaryLabels: ignoreUnknownSecondaryLabels) }
        if header.contains("ebird_code") { return try Manifest.cornell(csv: manifest, audioRoot: root, classes: classes) }
        throw TrainingError("\(manifest): neither a BirdCLEF (primary_label) nor a Cornell (ebird_code) train.csv")
    }

    func train() throws {
        let statePath = out + "/last.state.safetensors"
        let hasRun = FileManager.default.fileExists(atPath: statePath)
        if resume && !hasRun { throw TrainingError("\(out): there is no run to resume (no last.state.safetensors)") }
        // The weights to start from: read and checked against --arch / --gru-hidden before any
        // audio is decoded.
        let initial = try initFrom.map { try InitialWeights(path: $0) }
        try initial?.checkSettings(arch: arch, gruHidden: gruHidden)
        // One run per output folder; with the folder ours, clear what a killed run left behind
        // (not in a cache folder, which runs in other folders may share).
        let lock = try RunLock(folder: out)
        defer { lock.release() }
        lock.removeStaleTemporaryFiles(skipping: ["cache"])
        Interruption.install()
        if !resume && FileManager.default.fileExists(atPath: statePath) {
            throw TrainingError("\(out) already holds a run: pass --resume to continue it, or choose another --out")
        }
        // A resumed run keeps its class order.
        var savedClasses: ClassList?
        if resume, let json = try SafeTensors.read(statePath).metadata["classes"],
           let labels = try? JSONDecoder().decode([String].self, from: Data(json.utf8)) {
            savedClasses = ClassList(labels)
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let manifestValue = try readManifest(classes: savedClasses)
        print("\(manifest): \(manifestValue.entries.count) recordings of \(manifestValue.classes.count) species")
        let audioCache = try AudioCache(directory: cache ?? out + "/cache")
        let data = try PreparedData.prepare(manifest: manifestValue, cache: audioCache, validationFraction: validationFraction,
                                            seed: seed, timeSplitBelow: timeSplitBelow, backgroundFolder: backgrounds)
        for s in data.skipped { printError("\(s.path): \(s.cause) (skipped)") }
        let classes = data.train.classes.labels
        let byTime = data.split.byTime.isEmpty ? "" : " (\(data.split.byTime.count) of them split by time)"
        print("split: \(data.train.count) training and \(data.validation.count) validation recordings\(byTime)")

        let config: SEDConfig
        if let initial {
            config = try initial.modelConfig(classes: classes.count, arch: arch, gruHidden: gruHidden, defaultArch: Self.defaultArch,
                                             defaultGRUHidden: ModelOptions.defaultGRUHidden(arch:))
        } else {
            let a = arch ?? Self.defaultArch
            let h = gruHidden ?? ModelOptions.defaultGRUHidden(arch: a)
            config = try SEDConfig(arch: a, classes: classes.count, gruHidden: h, gruLayers: h > 0 ? 1 : 0)
        }
        let hidden = config.gruLayers > 0 ? config.gruHidden : 0
        let model = try SEDModel(config: config, seed: seed)
        // A resumed run takes its weights from its state file (resume() below); a new one
        // starts from --init-from's.
        var initOutcome: InitialWeights.Outcome?
        if let initial, !resume {
            initOutcome = try initial.load(into: model, classes: classes)
            print(initOutcome!.summary)
        }
        var crop = CropConfig()
        crop.seconds = cropSeconds
        crop.classBalanced = classBalanced
        var augmentation = AugmentationConfig()
        augmentation.noCallShare = noCallShare
        let composer = try ExampleComposer(data: data.train, augmentation: augmentation, crop: crop, seed: seed)
        let loaderConfig = LoaderConfig(batchSize: batchSize, workers: workers, prefetch: 2 * workers, examplesPerEpoch: examplesPerEpoch)
        // The model's input contract, written into every checkpoint: detect and predict read it.
        // With --init-from a checkpoint that has one, its front-end and value scaling.
        let defaultInput = ModelInput(frontEnd: FrontEndConfig(), normalization: .decibelsAround40, windowSeconds: cropSeconds)
        let input = initial?.input(fallback: defaultInput) ?? defaultInput
        let frontEnd = input.frontEnd
        let source = try LoaderBatchSource(composer: composer, frontEnd: frontEnd, config: loaderConfig, normalization: input.normalization)
        let validation = try LoaderBatchSource.fieldValidationSet(data: data.validation, crop: crop, frontEnd: frontEnd, config: loaderConfig,
                                                                  field: FieldValidationConfig(), seed: seed,
                                                                  normalization: input.normalization)
        let silent = validation.truth.filter(\.isEmpty).count
        print("validation: \(validation.truth.count) field-like windows (\(validation.truth.count - silent) with calls in noise, \(silent) noise only)")

        if let dir = exportBatches {
            try export(source: source, validation: validation, classes: classes, to: dir)
            // The weights training would start from (the same seed makes the same model).
            try SafeTensors.write(model.stateDict(), config: config, metadata: [ModelInput.metadataKey: try input.json()],
                                  to: dir + "/init.safetensors")
            return
        }
        let device = deviceOptions.parsed
        var batches: TrainingBatchSource = source
        var validationOnDevice = validation
        if device != .cpu {
            // Decoding, augmentation and the front-end stay on the host threads, running ahead;
            // each finished batch is copied to the device, where the model trains.
            try model.move(to: device)
            batches = DeviceBatches(base: source, device: device)
            validationOnDevice.inputs = try validation.inputs.map { try $0.on(device) }
            print("training on \(device)")
        }
        var trainConfig = TrainConfig()
        (trainConfig.epochs, trainConfig.seed, trainConfig.learningRate, trainConfig.emaDecay) = (epochs, seed, learningRate, emaDecay)
        let inputJSON = try input.json()
        let trainer = try Trainer(model: model, classes: classes, config: trainConfig, runDir: out, data: batches,
                                  validation: validationOnDevice) { weights, path, metadata in
            try SafeTensors.write(weights, config: config, metadata: metadata.merging([ModelInput.metadataKey: inputJSON]) { a, _ in a },
                                  to: path)
        }
        trainer.checkpointEvery = max(1, source.batchesPerEpoch / 4)
        trainer.shouldStop = { Interruption.requested }
        trainer.runSettings = try runSettings(arch: config.arch, hidden: hidden, augmentation: augmentation, crop: crop, data: data,
                                              initFrom: initial)
        if resume {
            try trainer.resume()
            print("resuming at epoch \(trainer.state.epoch + 1), batch \(trainer.state.nextBatch + 1) (step \(trainer.state.step))")
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
        if !resume || !FileManager.default.fileExists(atPath: out + "/train_config.json") {
            let initRecord = initial.map { InitRecord(path: $0.path, fingerprint: $0.fingerprint, loaded: initOutcome?.summary) }
            try AtomicFile.write(try e.encode(RunRecord(manifest: manifest, audioRoot: audioRoot, arch: config.arch, model: config,
                                                        train: trainConfig, augmentation: augmentation, crop: crop, loader: loaderConfig,
                                                        classes: classes, input: input, split: data.split,
                                                        validation: FieldValidationConfig(), initFrom: initRecord)),
                                 to: out + "/train_config.json")
        }

        let meter = ProgressLine(label: "training", total: Double(trainer.totalSteps), enabled: true)
        if Interruption.requested {
            throw Interruption.stop("stopping before training started; start again with the same command")
        }
        do {
            try trainer.train(progress: { step, total, loss, rate in
                meter.update(Double(step), detail: String(format: "loss %.4f, %.1f clips/s", loss, rate))
            }, epochDone: { r in
                meter.finish()
                print(String(format: "epoch %d/%d: loss %.4f, validation F1 %.3f (threshold %.2f), mAP %@, %.1f clips/s, model idle %.1f s",
                             r.epoch, epochs, r.trainLoss, r.validationF1, r.validationThreshold,
                             r.validationMAP.map { String(format: "%.3f", $0) } ?? "-", r.samplesPerSecond, r.idleSeconds))
            })
        } catch let e as TrainingInterrupted {
            meter.finish()
            throw Interruption.stop("stopping after step \(e.step) (next: epoch \(e.epoch), batch \(e.batch + 1)); \(out)/last.state.safetensors "
                                    + "holds that point; resume with the same command and --resume")
        }
        print("best: epoch \(trainer.state.bestEpoch), validation row-wise F1 \(String(format: "%.3f", trainer.state.bestF1))")
        print("wrote \(out)/best.safetensors, last.safetensors, thresholds.json, metrics.jsonl, curves.png")
    }

    /// What a resumed run must share with the run it continues, besides TrainConfig (epochs,
    /// seed, learning rate, EMA): anything that changes the model or the batches. The data is
    /// fingerprinted by its file names, labels and split, so a moved data folder still resumes.
    /// --init-from is listed by its file name and content hash (only when given, so runs from
    /// before it existed still resume). Not listed (free to change on resume): --workers,
    /// --cache, --device.
    func runSettings(arch: String, hidden: Int, augmentation: AugmentationConfig, crop: CropConfig, data: PreparedData,
                     initFrom: InitialWeights? = nil) throws -> [String: String] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        func json(_ v: some Encodable) throws -> String { String(decoding: try e.encode(v), as: UTF8.self) }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        let entries = data.manifest.entries.map { [($0.path as NSString).lastPathComponent, $0.primaryLabel] + $0.secondaryLabels }
        for b in (try json(entries) + (try json(data.split))).utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let backgroundNames = try backgrounds.map { try PreparedData.backgroundFiles(in: $0).map { ($0 as NSString).lastPathComponent } }
        var settings = ["arch": arch, "gru-hidden": String(hidden), "batch-size": String(batchSize),
                "examples-per-epoch": String(examplesPerEpoch), "validation-fraction": String(validationFraction),
                "time-split-below": String(timeSplitBelow), "crop-seconds": String(cropSeconds),
                "no-call-share": String(noCallShare), "class-balanced": String(classBalanced),
                "backgrounds": try json(backgroundNames ?? []),
                "augmentation": try json(augmentation), "crop": try json(crop),
                "data": String(h, radix: 16) + " (\(data.manifest.entries.count) recordings)"]
        if let initFrom { settings["init-from"] = initFrom.fingerprint }
        return settings
    }

    /// The exact batches training would see (e<epoch>_b<index>_x.npy [B, 1, frames, mels] and
    /// _y.npy [B, K]), the validation windows (val_<i>_x.npy) and meta.json (classes, truth rows);
    /// the caller adds init.safetensors, the initial weights.
    func export(source: LoaderBatchSource, validation: ValidationSet, classes: [String], to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
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
        let meta = Meta(classes: classes, truth: validation.truth.map { $0.sorted() }, epochs: epochs,
                        batchesPerEpoch: source.batchesPerEpoch, validationChunks: validation.inputs.count)
        try AtomicFile.write(try JSONEncoder().encode(meta), to: dir + "/meta.json")
        print("wrote \(epochs * source.batchesPerEpoch) training batches and \(validation.inputs.count) validation chunks to \(dir)")
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
