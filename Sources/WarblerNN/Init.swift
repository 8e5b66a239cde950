// Parameter initialisers with PyTorch's formulas (torch.nn.init), drawing from a generator that
// is passed in. Each returns a fresh leaf tensor that requires gradients.
import Foundation
import WarblerTensor

/// The generator of a model built only to receive a checkpoint's tensors: every initialiser
/// returns zeros without drawing (drawing through a generator type this module cannot
/// specialise for is slow enough to dominate loading a large checkpoint).
public protocol PlaceholderGenerator: RandomNumberGenerator {}

public enum Init {
    /// Elements drawn from U(-bound, bound), as torch.nn.init.uniform_(t, -bound, bound).
    /// A zero bound gives zeros (PyTorch's Linear bias when fan_in is 0).
    public static func uniform(_ shape: Shape, bound: Float, generator: inout some RandomNumberGenerator) throws -> Tensor {
        if generator is any PlaceholderGenerator { return try Tensor.zeros(shape, requiresGrad: true) }
        let values =
            bound > 0
            ? (0..<shape.count).map { _ in Float.random(in: -bound..<bound, using: &generator) }
            : [Float](repeating: 0, count: shape.count)
        return try Tensor(values, shape: shape, requiresGrad: true)
    }

    /// torch.nn.init.kaiming_uniform_(t, a: a, mode: "fan_in", nonlinearity: "leaky_relu"):
    /// U(-b, b) with b = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + a^2)). With a = sqrt(5)
    /// (PyTorch's Linear and Conv default) b = 1 / sqrt(fan_in).
    public static func kaimingUniform(_ shape: Shape, a: Float, generator: inout some RandomNumberGenerator) throws -> Tensor {
        let fan = try fanIn(shape)
        let gain = (2 / (1 + Double(a) * Double(a))).squareRoot()
        let bound = fan > 0 ? gain * (3 / Double(fan)).squareRoot() : 0
        return try uniform(shape, bound: Float(bound), generator: &generator)
    }

    /// Inputs feeding each output: shape[1] times the receptive field (the product of the
    /// dimensions after the second), as torch.nn.init._calculate_fan_in_and_fan_out.
    public static func fanIn(_ shape: Shape) throws -> Int {
        guard shape.rank >= 2 else {
            throw TensorError("init", "fan in cannot be computed for a tensor of shape \(shape) (fewer than 2 dimensions)")
        }
        return shape.dims.dropFirst().reduce(1, *)
    }

    /// Elements drawn from N(mean, std^2) by the Box-Muller transform (torch.nn.init.normal_;
    /// PyTorch's stream of draws is not reproduced).
    public static func normal(_ shape: Shape, mean: Float = 0, std: Float, generator: inout some RandomNumberGenerator) throws -> Tensor {
        if generator is any PlaceholderGenerator { return try Tensor.zeros(shape, requiresGrad: true) }
        var values = [Float](repeating: 0, count: shape.count)
        var i = 0
        while i < values.count {
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            let u2 = Double.random(in: 0..<1, using: &generator)
            let r = (-2 * Foundation.log(u1)).squareRoot()
            values[i] = mean + std * Float(r * Foundation.cos(2 * Double.pi * u2))
            if i + 1 < values.count { values[i + 1] = mean + std * Float(r * Foundation.sin(2 * Double.pi * u2)) }
            i += 2
        }
        return try Tensor(values, shape: shape, requiresGrad: true)
    }

    /// torch.nn.init.kaiming_normal_(t, mode: "fan_out", nonlinearity: "relu"): N(0, 2 / fan_out)
    /// with fan_out = shape[0] times the receptive field. timm's ResNet initialises every
    /// convolution this way.
    public static func kaimingNormalFanOut(_ shape: Shape, generator: inout some RandomNumberGenerator) throws -> Tensor {
        guard shape.rank >= 2 else {
            throw TensorError("init", "fan out cannot be computed for a tensor of shape \(shape) (fewer than 2 dimensions)")
        }
        let fanOut = shape[0] * shape.dims.dropFirst(2).reduce(1, *)
        return try normal(shape, std: fanOut > 0 ? Float((2 / Double(fanOut)).squareRoot()) : 0, generator: &generator)
    }
}
