// The sound-event-detection model (the reference layout of tools/fixtures/models.py):
//   log-mel [B, 1, frames, mels] -> backbone (ResNeSt, no normalisation) -> [B, C, T', F']
//   -> frequency pooling (mean + max over F') -> [B, T', C] -> dropout
//   -> bidirectional GRU (batch first) -> [B, T', 2H] -> attention head
//   -> clipwise [B, K], framewise [B, frames, K].
// Framewise scores are the head's per-step probabilities [B, K, T'] brought back to the input
// frame count by linear interpolation along time (torch.nn.functional.interpolate(...,
// size=frames, mode="linear", align_corners=False)), the rule tools/fixtures/models.py uses.
// Keys: backbone.<timm keys>, gru.<torch.nn.GRU keys>, head.att.*, head.cla.*.
import WarblerNN
import WarblerTensor

/// The model's two outputs.
public struct SEDOutput {
    /// Clip-level probabilities, [B, K].
    public var clipwise: Tensor
    /// Frame-level probabilities at the input frame rate, [B, frames, K].
    public var framewise: Tensor
}

public final class SEDModel: Module {
    public let config: SEDConfig
    public let backbone: ResNeSt
    public let dropout: Dropout
    public let gru: GRU?
    public let head: AttentionHead

    /// A randomly initialised model: timm's initialisation for the backbone, PyTorch's defaults
    /// for the GRU and the head, all drawn from a generator seeded with `seed`.
    public convenience init(config: SEDConfig, seed: UInt64 = 0) throws {
        var generator = SeededGenerator(seed: seed)
        try self.init(config: config, generator: &generator)
    }

    /// Builds the layers, drawing every initial value from `generator`.
    init(config: SEDConfig, generator: inout some RandomNumberGenerator) throws {
        try config.validate()
        self.config = config
        backbone = try ResNeSt(config: config.backbone, generator: &generator)
        dropout = try Dropout(probability: config.dropout, seed: generator.next())
        if config.gruLayers > 0 {
            gru = try GRU(
                inputSize: config.backbone.outputChannels, hiddenSize: config.gruHidden, layers: config.gruLayers,
                bidirectional: true, batchFirst: true, generator: &generator)
        } else {
            gru = nil
        }
        head = try AttentionHead(
            inputChannels: config.headInputChannels, classes: config.classes,
            activation: config.attentionActivation, generator: &generator)
    }

    /// x: [B, 1, frames, mels] (a batch of log-mels, time along H) -> clipwise [B, K] and
    /// framewise [B, frames, K].
    public func callAsFunction(_ x: Tensor) throws -> SEDOutput {
        guard x.rank == 4, x.shape[1] == config.backbone.inChannels else {
            throw TensorError("SEDModel", "needs input [B, \(config.backbone.inChannels), frames, mels], got \(x.shape)")
        }
        let frames = x.shape[2]
        let features = try backbone(x)  // [B, C, T', F']
        let pooled = try poolFrequency(features)  // [B, C, T']
        var sequence = try dropout(pooled.transposed(1, 2))  // [B, T', C]
        if let gru { sequence = try gru(sequence).output }  // [B, T', 2H]
        let (clipwise, scores) = try head(sequence.transposed(1, 2))  // [B, K], [B, K, T']
        let framewise = try scores.interpolatedLinear(size: frames, axis: 2).transposed(1, 2)
        return SEDOutput(clipwise: clipwise, framewise: framewise)
    }

    /// [B, C, T', F'] -> [B, C, T'] by the configured frequency pooling.
    func poolFrequency(_ x: Tensor) throws -> Tensor {
        switch config.frequencyPooling {
        case .meanMax: try x.mean(axes: [3]) + x.max(axes: [3])
        case .mean: try x.mean(axes: [3])
        case .max: try x.max(axes: [3])
        }
    }
}
