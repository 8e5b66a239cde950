// Parameter initialisers with PyTorch's formulas (torch.nn.init), drawing from a generator that
// is passed in. Each returns a fresh leaf tensor that requires gradients.
import WarblerTensor

public enum Init {
    /// Elements drawn from U(-bound, bound), as torch.nn.init.uniform_(t, -bound, bound).
    /// A zero bound gives zeros (PyTorch's Linear bias when fan_in is 0).
    public static func uniform(_ shape: Shape, bound: Float, generator: inout some RandomNumberGenerator) throws -> Tensor {
        let values = bound > 0
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
}
