// Checkpoints: an SED model's state dict as safetensors with its SEDConfig as JSON in the
// metadata ("config"), so `SEDModel(checkpoint:)` rebuilds the model from the file alone; and
// loading a timm backbone exported with safetensors (ImageNet weights have 3 input channels:
// they are adapted by timm's adapt_input_conv rule).
import Foundation
import WarblerNN
import WarblerTensor

extension SEDModel {
    /// Writes every parameter and buffer under its PyTorch key, plus the config, atomically.
    public func save(to path: String) throws {
        guard !isFolded else { throw ModelError("\(path): a model with folded batch norms cannot be saved as a checkpoint (reload it unfolded)") }
        try SafeTensors.write(stateDict(), config: config, to: path)
    }

    /// Rebuilds the model described by a checkpoint's config and loads its tensors (strict:
    /// every key must match, except BatchNorm's optional num_batches_tracked). The model is in
    /// evaluation mode; nothing is drawn at random first (its dropout is seeded with 0).
    public convenience init(checkpoint path: String) throws {
        let file = try SafeTensors.read(path)
        let config = try file.config(SEDConfig.self)
        // The config is checked against the file's own tensor shapes before anything is built.
        try config.check(againstShapes: file.tensors.mapValues { $0.shape.dims }, path: path)
        var placeholder = CheckpointPlaceholder()
        try self.init(config: config, generator: &placeholder)
        do {
            try load(stateDict: file.tensors)
        } catch {
            throw ModelError("\(path) does not fit its own config (\(config.arch)): \(error)")
        }
        eval()
    }

    /// Loads a timm ResNeSt state dict (keys as timm's, classifier `fc.*` ignored) into the
    /// backbone. A first convolution with 3 input channels is adapted to the model's channel
    /// count by timm's adapt_input_conv: summed over the channels for 1, else repeated and
    /// scaled by 3 / inChannels.
    public func loadBackbone(timm stateDict: [String: Tensor]) throws {
        var sd = stateDict.filter { !$0.key.hasPrefix("fc.") }
        if let w = sd["conv1.0.weight"] {
            sd["conv1.0.weight"] = try ResNeSt.adaptedInputConv(w, inChannels: config.backbone.inChannels)
        }
        try backbone.load(stateDict: sd)
    }
}

extension ResNeSt {
    /// timm.models._manipulate.adapt_input_conv for base_chans 3: weight [O, I, kH, kW] ->
    /// [O, inChannels, kH, kW]. I equal to inChannels: unchanged; inChannels 1: the sum over
    /// the input channels; otherwise the channels repeated ceil(inChannels / 3) times, cut to
    /// inChannels and scaled by 3 / inChannels.
    public static func adaptedInputConv(_ weight: Tensor, inChannels: Int) throws -> Tensor {
        guard weight.rank == 4 else { throw ModelError("conv1.0.weight must be [O, I, kH, kW], got \(weight.shape)") }
        let i = weight.shape[1]
        if i == inChannels { return weight }
        guard i == 3 else {
            throw ModelError("conv1.0.weight has \(i) input channels; only 3-channel weights can be adapted to \(inChannels)")
        }
        return try GradMode.withoutGradients {
            if inChannels == 1 { return try weight.sum(axes: [1], keepingDims: true) }
            let repeats = (inChannels + 2) / 3
            let tiled = try Tensor.concatenated(Array(repeating: weight, count: repeats), axis: 1)
            return try tiled.sliced(1, 0..<inChannels) * (3 / Float(inChannels))
        }
    }
}
