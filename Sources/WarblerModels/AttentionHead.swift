// The attention head of PANNs-style SED models (the reference layout's `head.`):
//   att = Conv1d(D, K, 1), cla = Conv1d(D, K, 1)   keys head.att.weight [K, D, 1], head.att.bias [K], head.cla.*
//   weights = softmax over time of tanh(att(x))  (or clamp(att(x), -10, 10))
//   scores  = sigmoid(cla(x))
//   clipwise = sum over time of weights * scores
import WarblerNN
import WarblerTensor

public final class AttentionHead: Module {
    public let att: Conv1d
    public let cla: Conv1d
    public let activation: SEDConfig.AttentionActivation

    /// PyTorch's default Conv1d initialisation.
    public init(
        inputChannels: Int, classes: Int, activation: SEDConfig.AttentionActivation,
        generator: inout some RandomNumberGenerator
    ) throws {
        att = try Conv1d(inputChannels: inputChannels, outputChannels: classes, kernelSize: 1, generator: &generator)
        cla = try Conv1d(inputChannels: inputChannels, outputChannels: classes, kernelSize: 1, generator: &generator)
        self.activation = activation
    }

    /// x: [B, D, T] -> clipwise [B, K] and the per-step class probabilities [B, K, T].
    public func callAsFunction(_ x: Tensor) throws -> (clipwise: Tensor, framewise: Tensor) {
        let logits = try att(x)
        let bounded = activation == .tanh ? logits.tanh() : logits.clamped(min: -10, max: 10)
        let weights = try bounded.softmax(axis: 2)
        let scores = try cla(x).sigmoid()
        let clipwise = try (weights * scores).sum(axes: [2])
        return (clipwise, scores)
    }
}
