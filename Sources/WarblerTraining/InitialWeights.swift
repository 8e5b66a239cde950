// `warbler train --init-from FILE`: a run that starts from existing weights instead of a random
// initialisation (fine-tuning). Two kinds of file are accepted:
//   - a Warbler checkpoint (its SEDConfig in the metadata: written by `warbler train` or
//     `warbler model init`). The new model takes the checkpoint's architecture whole (backbone,
//     frequency pooling, GRU, head width) and, when the checkpoint has one, its input contract
//     (front-end with sample rate, value scaling). The backbone and GRU are always loaded; the
//     attention head's rows are matched to the new class list by class name: a class the
//     checkpoint knows gets its row, any other class a freshly initialised one. The same class
//     names (in any order) therefore load the whole model.
//   - a timm ResNeSt state dict saved as safetensors (timm's keys, no config): it starts the
//     backbone exactly as `warbler model init --backbone-weights` does (`loadBackbone(timm:)`);
//     GRU and head start fresh.
// Everything is checked before anything is loaded, and a mismatch is one sentence naming the
// file. The file's fingerprint (name and a hash of its bytes) goes into the run's settings, so a
// `--resume` with another file is refused like any other changed setting.
import Foundation
import WarblerFeatures
import WarblerIO
import WarblerModels
import WarblerNN
import WarblerTensor

/// The weights a run starts from (`warbler train --init-from`).
public struct InitialWeights {
    public enum Kind: Sendable, Equatable {
        /// A Warbler checkpoint with its model config.
        case checkpoint
        /// A timm ResNeSt state dict (backbone only).
        case timmBackbone
    }

    /// The file, as given.
    public let path: String
    public let kind: Kind
    /// The checkpoint's model config (nil for timm weights).
    public let config: SEDConfig?
    /// The checkpoint's class names, in its output order (nil when it names none: `model init`, timm).
    public let classes: [String]?
    /// The checkpoint's input contract, when its metadata holds one (`warbler train` writes it;
    /// `model init` and timm files have none).
    public let input: ModelInput?
    /// The file's name and the FNV-1a 64 hash of its bytes: what a resumed run must match.
    public let fingerprint: String
    let tensors: [String: Tensor]

    /// Reads and checks `path`: a Warbler checkpoint whose config fits its own tensors, or a
    /// timm ResNeSt state dict.
    public init(path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw TrainingError("\(path): cannot be read as --init-from weights (\(error.localizedDescription))")
        }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        data.withUnsafeBytes { raw in for b in raw { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 } }
        fingerprint = (path as NSString).lastPathComponent + " (fnv " + String(h, radix: 16) + ")"
        let file = try SafeTensors.parse(data, path: path)
        self.path = path
        tensors = file.tensors
        if file.metadata[SafeTensors.configKey] != nil {
            let config = try file.config(SEDConfig.self)
            try config.check(againstShapes: file.tensors.mapValues { $0.shape.dims }, path: path)
            let outside = file.tensors.keys.filter { k in !["backbone.", "gru.", "head."].contains { k.hasPrefix($0) } }.sorted()
            guard outside.isEmpty else {
                throw TrainingError("\(path): holds tensors that are not part of a Warbler model (\(outside.prefix(3).joined(separator: ", ")))")
            }
            kind = .checkpoint
            self.config = config
            if let json = file.metadata["classes"] {
                guard let names = try? JSONDecoder().decode([String].self, from: Data(json.utf8)), names.count == config.classes,
                    Set(names).count == names.count
                else {
                    throw TrainingError("\(path): its class list (metadata \"classes\") does not match its \(config.classes) model outputs")
                }
                classes = names
            } else {
                classes = nil
            }
            input = file.metadata[ModelInput.metadataKey] == nil ? nil : try ModelInput.from(metadata: file.metadata, source: path)
        } else if file.tensors["conv1.0.weight"] != nil {
            kind = .timmBackbone
            config = nil
            classes = nil
            input = nil
        } else {
            throw TrainingError(
                "\(path): is neither a Warbler checkpoint (no \"config\" in its metadata) "
                    + "nor a timm ResNeSt state dict (no conv1.0.weight)")
        }
    }

    /// The GRU width of the checkpoint's model (0 without a GRU).
    var checkpointGRUHidden: Int? { config.map { $0.gruLayers > 0 ? $0.gruHidden : 0 } }

    /// Refuses an explicit `--arch` or `--gru-hidden` that contradicts the checkpoint (nil: not
    /// given). timm weights fix nothing here; whether they fit `--arch` is checked on loading.
    public func checkSettings(arch: String?, gruHidden: Int?) throws {
        guard let config, let hidden = checkpointGRUHidden else { return }
        if let arch, arch != config.arch {
            throw TrainingError(
                "\(path): is a \(config.arch) model, but --arch \(arch) was given; fine-tuning keeps the checkpoint's "
                    + "architecture (leave --arch out)")
        }
        if let gruHidden, gruHidden != hidden {
            throw TrainingError(
                "\(path): has GRU width \(hidden), but --gru-hidden \(gruHidden) was given; fine-tuning keeps the "
                    + "checkpoint's GRU (leave --gru-hidden out)")
        }
    }

    /// The run's model config for `classes` outputs: the checkpoint's with the new class count,
    /// or for timm weights the named `arch` (default `defaultArch`) with `gruHidden` (default
    /// `defaultGRUHidden(arch)`) and one GRU layer, as `warbler train` builds it.
    public func modelConfig(
        classes: Int, arch: String?, gruHidden: Int?, defaultArch: String,
        defaultGRUHidden: (String) -> Int
    ) throws -> SEDConfig {
        try checkSettings(arch: arch, gruHidden: gruHidden)
        if var config {
            config.classes = classes
            return config
        }
        let a = arch ?? defaultArch
        let h = gruHidden ?? defaultGRUHidden(a)
        return try SEDConfig(arch: a, classes: classes, gruHidden: h, gruLayers: h > 0 ? 1 : 0)
    }

    /// The input contract of the run: the checkpoint's front-end and value scaling when it has a
    /// contract (its model was trained on them), else `fallback`'s; the window is always
    /// `fallback`'s (`--crop-seconds`: the model does not depend on the clip length).
    public func input(fallback: ModelInput) -> ModelInput {
        guard let input else { return fallback }
        return ModelInput(frontEnd: input.frontEnd, normalization: input.normalization, windowSeconds: fallback.windowSeconds)
    }

    /// What `load(into:classes:)` did.
    public struct Outcome: Sendable, Equatable {
        /// Parts loaded from the file: "backbone", "GRU", "head".
        public var loaded: [String]
        /// New classes whose head rows came from the checkpoint, and those freshly initialised.
        public var copiedClasses: [String]
        public var newClasses: [String]
        /// One line for the user: what was loaded and what was re-initialised.
        public var summary: String
    }

    /// Loads the file into `model` (built from `modelConfig`, not yet moved to a device), whose
    /// outputs are `classes`. Checks every shape before changing anything.
    public func load(into model: SEDModel, classes: [String]) throws -> Outcome {
        let name = (path as NSString).lastPathComponent
        guard model.config.classes == classes.count else {
            throw TrainingError("the model has \(model.config.classes) outputs for \(classes.count) classes")
        }
        switch kind {
        case .timmBackbone:
            do { try model.loadBackbone(timm: tensors) } catch {
                throw TrainingError("\(path): does not fit a \(model.config.arch) backbone (pass the --arch these timm weights are for): \(error)")
            }
            let fresh = model.gru == nil ? "the head" : "the GRU and the head"
            return Outcome(
                loaded: ["backbone"], copiedClasses: [], newClasses: classes,
                summary: "--init-from \(name): loaded the backbone from timm weights; \(fresh) (\(classes.count) classes) start fresh")
        case .checkpoint:
            func part(_ prefix: String) -> [String: Tensor] {
                Dictionary(uniqueKeysWithValues: tensors.filter { $0.key.hasPrefix(prefix) }.map { (String($0.key.dropFirst(prefix.count)), $0.value) })
            }
            let (backbone, gru, head) = (part("backbone."), part("gru."), part("head."))
            // Every head row of the new model: the checkpoint's row for a class it names, else
            // the fresh model's own.
            let old = classes.map { c in self.classes?.firstIndex(of: c) }
            let freshHead = model.head.stateDict()
            var newHead: [String: Tensor] = [:]
            for key in ["att.weight", "att.bias", "cla.weight", "cla.bias"] {
                guard let mine = freshHead[key], let theirs = head[key], mine.shape.dims.dropFirst() == theirs.shape.dims.dropFirst() else {
                    throw TrainingError("\(path): its head.\(key) does not fit the model's")
                }
                let row = mine.count / max(1, mine.shape[0])
                var values = mine.toArray()
                let source = theirs.toArray()
                for (i, j) in old.enumerated() {
                    if let j { values.replaceSubrange(i * row..<(i + 1) * row, with: source[j * row..<(j + 1) * row]) }
                }
                newHead[key] = try Tensor(values, shape: mine.shape)
            }
            do {
                try model.backbone.load(stateDict: backbone)
                if let g = model.gru {
                    try g.load(stateDict: gru)
                } else if !gru.isEmpty {
                    throw TrainingError("the checkpoint has a GRU, the model none")
                }
                try model.head.load(stateDict: newHead)
            } catch {
                throw TrainingError("\(path): does not fit the model built from its own config: \(error)")
            }
            let copied = zip(classes, old).compactMap { $1 == nil ? nil : $0 }
            let fresh = zip(classes, old).compactMap { $1 == nil ? $0 : nil }
            let body = model.gru == nil ? "the backbone" : "the backbone and GRU"
            let summary: String
            if fresh.isEmpty {
                let order = old.map { $0! } == Array(0..<classes.count) ? "" : ", rows reordered by name"
                summary =
                    "--init-from \(name): loaded the whole model (\(body) and the head of the same \(classes.count) classes\(order)); nothing re-initialised"
            } else if copied.isEmpty {
                let why = self.classes == nil ? "the checkpoint names no classes" : "the checkpoint's \(config!.classes) classes share none with these"
                summary = "--init-from \(name): loaded \(body); re-initialised the head for all \(classes.count) classes (\(why))"
            } else {
                summary =
                    "--init-from \(name): loaded \(body) and the head rows of \(copied.count) of \(classes.count) classes "
                    + "(\(Self.list(copied))); re-initialised the head rows of \(Self.list(fresh))"
            }
            return Outcome(
                loaded: copied.isEmpty
                    ? (model.gru == nil ? ["backbone"] : ["backbone", "GRU"])
                    : (model.gru == nil ? ["backbone", "head"] : ["backbone", "GRU", "head"]),
                copiedClasses: copied, newClasses: fresh, summary: summary)
        }
    }

    static func list(_ names: [String]) -> String {
        names.count <= 8 ? names.joined(separator: ", ") : names.prefix(8).joined(separator: ", ") + ", ... (\(names.count - 8) more)"
    }
}
