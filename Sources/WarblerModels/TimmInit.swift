// Layer constructors with timm's ResNet initialisation (ResNet.init_weights): every Conv2d
// weight from kaiming_normal(fan_out, relu), conv biases as PyTorch's default
// (U(-1/sqrt(fanIn), 1/sqrt(fanIn))), BatchNorm weight 1 and bias 0. The draws follow our
// SeededGenerator, not PyTorch's stream: a model meant to equal a PyTorch one loads its weights.
import WarblerNN
import WarblerTensor

/// The "generator" of a model built only to receive a checkpoint's tensors: TimmInit gives zero
/// weights instead of drawing (a resnest50d's kaiming-normal draws take seconds), and so do
/// WarblerNN's initialisers (Init: a `PlaceholderGenerator` is never drawn from).
struct CheckpointPlaceholder: PlaceholderGenerator {
    mutating func next() -> UInt64 { 0 }
}

enum TimmInit {
    static func conv(
        _ inputChannels: Int, _ outputChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
        dilation: Int = 1, groups: Int = 1, bias: Bool = false,
        generator: inout some RandomNumberGenerator
    ) throws -> Conv2d {
        guard inputChannels % groups == 0, outputChannels % groups == 0 else {
            throw ModelError("a convolution \(inputChannels) -> \(outputChannels) channels cannot have \(groups) groups")
        }
        let shape: Shape = [outputChannels, inputChannels / groups, kernel, kernel]
        let weight =
            generator is CheckpointPlaceholder
            ? try Tensor.zeros(shape, requiresGrad: true) : try Init.kaimingNormalFanOut(shape, generator: &generator)
        let b = bias ? try Init.uniform([outputChannels], bound: 1 / Float(try Init.fanIn(shape)).squareRoot(), generator: &generator) : nil
        return try Conv2d(
            weight: weight, bias: b, stride: (stride, stride), padding: (padding, padding),
            dilation: (dilation, dilation), groups: groups)
    }
}
