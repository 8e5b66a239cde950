// The options of `warbler train` that decide the data, the model and the batches: one group,
// shared by `warbler train` and `warbler-bench export-batches` (which writes the batches that
// training would see), with their checks and the library settings they make.
import ArgumentParser
import Foundation
import WarblerTensor
import WarblerTraining

public struct TrainOptions: ParsableArguments {
    public init() {}

    @Option(help: "train.csv (BirdCLEF or Cornell layout) or a folder of species folders.")
    public var manifest: String
    @Option(help: "Folder the manifest's file names are relative to (not needed for a folder manifest).")
    public var audioRoot: String?
    @Option(help: "Run folder for checkpoints, thresholds and logs.")
    public var out: String
    @Option(
        help:
            "Architecture: warbler-small (the default; trains on birds5 in about 7 minutes on 2 cores), warbler-base (twice the width, about 11), resnest14d, resnest26d, resnest50d, resnest101e. With --init-from a checkpoint: the checkpoint's."
    )
    public var arch: String?
    @Option(
        help: ArgumentHelp(
            "Start from these weights instead of a random initialisation (fine-tuning): a Warbler checkpoint (from train or model init), whose architecture, GRU and front-end the run takes, with its whole model loaded when the classes are the same and otherwise its backbone and GRU plus the head rows of the classes it knows; or a timm ResNeSt state dict (.safetensors) for the backbone of --arch.",
            valueName: "checkpoint"))
    public var initFrom: String?
    @Option(help: "Epochs (validation, thresholds and checkpoints after each).")
    public var epochs = 10
    @Option(help: "Random seed (split, sampling, augmentation, initialisation).")
    public var seed: UInt64 = 0
    @Flag(help: "Continue the run in --out exactly where it stopped.")
    public var resume = false
    @Option(help: "Clips per batch.")
    public var batchSize = 16
    @Option(help: "Peak learning rate (AdamW, warm-up then cosine).")
    public var learningRate: Float = 1e-3
    @Option(help: "Share of the files held out for validation (stratified by species).")
    public var validationFraction = 0.2
    @Option(
        help:
            "Species with fewer files than this are split by time instead: each file trains on its first part and validates on its last --validation-fraction.")
    public var timeSplitBelow = 4
    @Option(help: "Examples per epoch, however many files there are (the training budget is epochs x this).")
    public var examplesPerEpoch = 1024
    @Option(help: "GRU hidden size (default: 64 for warbler-small, 128 for warbler-base, 256 otherwise, or the --init-from checkpoint's; 0 turns the GRU off).")
    public var gruHidden: Int?
    @Option(help: "Crop length, seconds.")
    public var cropSeconds = 5.0
    @Option(help: "Share of training clips with no call at all (noise or background only, every label 0).")
    public var noCallShare = 0.2
    @Option(help: "Folder of background recordings mixed in as noise.")
    public var backgrounds: String?
    @Option(help: "Decoded-audio cache folder (default: <out>/cache).")
    public var cache: String?
    @Option(help: "Loader threads (decoding, augmentation and the front-end of training batches; --threads sets the model's).")
    public var workers = 2
    @Option(help: "EMA decay of the weights used for validation and checkpoints (off by default).")
    public var emaDecay: Float?
    @Flag(
        inversion: .prefixedNo,
        help: "Draw each clip's first call class-balanced (species uniform, then file); --no-class-balanced goes through the files in a shuffled order.")
    public var classBalanced = true
    @Flag(
        help: "Drop secondary labels of a BirdCLEF manifest that are not among its primary labels, instead of stopping (real BirdCLEF data names such species)."
    )
    public var ignoreUnknownSecondaryLabels = false
    public func validate() throws {
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
        // allocate without limit or run for years.
        guard epochs <= 100_000 else { throw ValidationError("--epochs must be at most 100000, not \(epochs).") }
        guard batchSize <= 4096 else { throw ValidationError("--batch-size must be at most 4096, not \(batchSize).") }
        guard examplesPerEpoch <= 10_000_000 else {
            throw ValidationError("--examples-per-epoch must be at most 10000000, not \(examplesPerEpoch).")
        }
        guard workers <= 256 else { throw ValidationError("--workers must be at most 256, not \(workers).") }
        guard learningRate.isFinite, learningRate <= 10 else { throw ValidationError("--learning-rate must be finite and at most 10, not \(learningRate).") }
        guard cropSeconds.isFinite, cropSeconds <= 600 else { throw ValidationError("--crop-seconds must be at most 600, not \(cropSeconds).") }
        if let gruHidden { guard gruHidden <= 8192 else { throw ValidationError("--gru-hidden must be at most 8192, not \(gruHidden).") } }
        if let emaDecay {
            guard emaDecay.isFinite, emaDecay > 0, emaDecay < 1 else { throw ValidationError("--ema-decay must be in (0, 1), not \(emaDecay).") }
        }
    }

    /// The options as the library's settings; `device` and `threads` come from other groups.
    public func settings(device: Device, threads: Int) -> TrainingJobSettings {
        var s = TrainingJobSettings(manifest: manifest, audioRoot: audioRoot, out: out)
        (s.arch, s.initFrom, s.epochs, s.seed, s.resume, s.batchSize) = (arch, initFrom, epochs, seed, resume, batchSize)
        (s.learningRate, s.validationFraction, s.timeSplitBelow, s.examplesPerEpoch) = (learningRate, validationFraction, timeSplitBelow, examplesPerEpoch)
        (s.gruHidden, s.cropSeconds, s.noCallShare, s.backgrounds, s.cache, s.workers) = (gruHidden, cropSeconds, noCallShare, backgrounds, cache, workers)
        (s.emaDecay, s.classBalanced, s.ignoreUnknownSecondaryLabels) = (emaDecay, classBalanced, ignoreUnknownSecondaryLabels)
        (s.device, s.threads) = (device, threads)
        return s
    }
}
