// `warbler model init` (a randomly initialised checkpoint) and `warbler model summary` (the
// layer table, parameters and FLOPs per clip of an architecture or a checkpoint).
import ArgumentParser
import Foundation
import WarblerCommandLine
import WarblerIO
import WarblerModels
import WarblerNN
import WarblerTraining

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Create and inspect SED models (ResNeSt backbone, bidirectional GRU, attention head).",
        subcommands: [ModelInitCommand.self, ModelSummaryCommand.self])
}

/// The model's shape, shared by `model init` and `model summary --arch`.
struct ModelOptions: ParsableArguments {
    @Option(help: "Backbone: warbler-small (train's default), warbler-base, resnest14d, resnest26d, resnest50d (the seed's) or resnest101e.")
    var arch: String = "warbler-small"

    @Option(help: "Number of classes K.")
    var classes: Int = 24

    @Option(
        name: .customLong("gru-hidden"), help: "GRU hidden size H per direction (default: as train, 64 for warbler-small, 128 for warbler-base, 256 otherwise)."
    )
    var gruHidden: Int?

    @Option(name: .customLong("gru-layers"), help: "Stacked bidirectional GRU layers (0: no GRU).")
    var gruLayers: Int = 1

    @Option(help: "Dropout before the GRU, in training.")
    var dropout: Float = 0.2

    @Option(name: .customLong("in-channels"), help: "Input channels (1 for a log-mel).")
    var inChannels: Int = 1

    func config() throws -> SEDConfig {
        let c: SEDConfig
        do {
            c = try SEDConfig(
                arch: arch, classes: classes, gruHidden: gruHidden ?? TrainingJob.defaultGRUHidden(arch: arch), gruLayers: gruLayers, dropout: dropout,
                inChannels: inChannels)
            try c.validate()
        } catch {
            throw ValidationError(describe(error))
        }
        return c
    }
}

struct ModelInitCommand: WarblerCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a randomly initialised model as a safetensors checkpoint (config in its metadata).",
        discussion:
            "Backbone as timm initialises it (kaiming-normal convolutions, zero-initialised last BN of each block); GRU and head with PyTorch's defaults.")

    @OptionGroup var model: ModelOptions

    @Option(help: "Seed of the random initialisation.")
    var seed: UInt64 = 0

    @Option(
        name: .customLong("backbone-weights"),
        help:
            "Start the backbone from a timm ResNeSt state dict saved as safetensors (e.g. ImageNet weights; 'fc.*' ignored, 3-channel stems adapted as timm does)."
    )
    var backboneWeights: String?

    @Option(help: "Output checkpoint (.safetensors).")
    var out: String

    func validate() throws {
        _ = try model.config()
        guard out.lowercased().hasSuffix(".safetensors") else { throw ValidationError("--out must end in .safetensors (got \(out)).") }
    }

    func execute() throws {
        try OutputFolder.prepareParent(of: out, option: "--out")
        let sed = try SEDModel(config: model.config(), seed: seed)
        if let backboneWeights {
            let file = try SafeTensors.read(backboneWeights)
            do { try sed.loadBackbone(timm: file.tensors) } catch {
                throw FileError(path: backboneWeights, reason: "does not fit a \(model.arch) backbone: \(describe(error))")
            }
        }
        try sed.save(to: out)
        let count = sed.parameterTensors().reduce(0) { $0 + $1.count }
        print("\(out): \(model.arch), \(model.classes) classes, GRU \(model.gruLayers) x \(sed.config.gruHidden), \(count) parameters")
    }
}

struct ModelSummaryCommand: WarblerCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Print a model's layer table, parameter count and FLOPs per clip.")

    @OptionGroup var model: ModelOptions

    @Option(help: "Summarise this checkpoint instead of --arch.")
    var checkpoint: String?

    @Option(help: "Frames of the clip (501 = 5 s at hop 320, 32 kHz).")
    var frames: Int = 501

    @Option(help: "Mel bins of the clip.")
    var mels: Int = 128

    func validate() throws {
        if checkpoint == nil { _ = try model.config() }
        guard frames >= 32, mels >= 32 else {
            throw ValidationError("--frames and --mels must be at least 32 (the backbone's stride), got \(frames) and \(mels).")
        }
    }

    func execute() throws {
        let sed = try checkpoint.map { try SEDModel(checkpoint: $0) } ?? SEDModel(config: model.config())
        let s = try sed.summary(frames: frames, mels: mels)
        let c = sed.config
        print(
            "\(checkpoint ?? c.arch): \(c.arch), \(c.classes) classes, GRU \(c.gruLayers) x \(c.gruHidden), input [1, \(c.backbone.inChannels), \(frames), \(mels)]"
        )
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        print(pad("layer", 24) + pad("kind", 30) + pad("output", 22) + lpad("params", 12) + lpad("MFLOPs", 12))
        for l in s.layers {
            let shape = "[" + l.outputShape.map(String.init).joined(separator: ", ") + "]"
            print(
                pad(l.name, 24) + pad(l.kind, 30) + pad(shape, 22) + lpad(String(l.parameters), 12)
                    + lpad(String(format: "%.1f", Double(l.flops) / 1e6), 12))
        }
        print(
            "total: \(s.parameters) parameters (\(String(format: "%.2f", Double(s.parameters) / 1e6)) M), "
                + "\(String(format: "%.2f", Double(s.flops) / 1e9)) GFLOPs per clip")
    }
}
