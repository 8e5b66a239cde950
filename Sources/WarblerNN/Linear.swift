// Linear: y = x W^T + b, as torch.nn.Linear, with PyTorch's default initialisation.
// Keys: weight [out, in], bias [out].
import WarblerTensor

public final class Linear: Module {
    /// [outputFeatures, inputFeatures]
    public let weight: Tensor
    /// [outputFeatures], or nil when built without bias.
    public let bias: Tensor?

    public var inputFeatures: Int { weight.shape[1] }
    public var outputFeatures: Int { weight.shape[0] }

    /// PyTorch's initialisation (torch.nn.Linear.reset_parameters): weight by
    /// kaiming_uniform(a: sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)), then bias from
    /// U(-1/sqrt(in), 1/sqrt(in)), drawn in that order from `generator`.
    public init(inputFeatures: Int, outputFeatures: Int, bias: Bool = true, generator: inout some RandomNumberGenerator) throws {
        guard inputFeatures >= 0, outputFeatures >= 0 else {
            throw TensorError("Linear", "feature counts must not be negative (got \(inputFeatures) -> \(outputFeatures))")
        }
        weight = try Init.kaimingUniform([outputFeatures, inputFeatures], a: Float(5).squareRoot(), generator: &generator)
        let bound = inputFeatures > 0 ? 1 / Float(inputFeatures).squareRoot() : 0
        self.bias = bias ? try Init.uniform([outputFeatures], bound: bound, generator: &generator) : nil
    }

    /// A layer over existing tensors (weight [out, in], bias [out]); they become its parameters.
    public init(weight: Tensor, bias: Tensor?) throws {
        guard weight.rank == 2 else { throw TensorError("Linear", "weight must be [out, in], got \(weight.shape)") }
        if let bias, bias.shape != Shape([weight.shape[0]]) {
            throw TensorError("Linear", "bias \(bias.shape) does not match weight \(weight.shape)")
        }
        self.weight = weight
        self.bias = bias
    }

    /// x: [.., in] -> [.., out]. Matches torch.nn.functional.linear; gradients flow to x,
    /// weight and bias.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try x.linear(weight: weight, bias: bias)
    }
}
