// Conv2d and Conv1d as torch.nn.Conv2d / torch.nn.Conv1d (zero padding), with PyTorch's default
// initialisation. Keys: weight [O, C/groups, kH, kW] (Conv1d: [O, C/groups, k]), bias [O]
// (absent when built without bias).
import WarblerTensor

public final class Conv2d: Module, Layer {
    /// [outputChannels, inputChannels / groups, kH, kW]
    public let weight: Tensor
    /// [outputChannels], or nil. Set only by `fold(_:)` (BatchNorm2d+Folding.swift).
    public internal(set) var bias: Tensor? { didSet { membersChanged() } }
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let dilation: (Int, Int)
    public let groups: Int

    public var inputChannels: Int { weight.shape[1] * groups }
    public var outputChannels: Int { weight.shape[0] }
    public var kernelSize: (Int, Int) { (weight.shape[2], weight.shape[3]) }

    /// PyTorch's initialisation (torch.nn.Conv2d.reset_parameters): weight by
    /// kaiming_uniform(a: sqrt(5)), i.e. U(-1/sqrt(fanIn), 1/sqrt(fanIn)) with
    /// fanIn = C/groups * kH * kW, then bias from the same range, drawn in that order.
    public convenience init(
        inputChannels: Int, outputChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
        padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true,
        generator: inout some RandomNumberGenerator
    ) throws {
        guard inputChannels > 0, outputChannels > 0, groups > 0,
            inputChannels % groups == 0, outputChannels % groups == 0
        else {
            throw TensorError("Conv2d", "channels \(inputChannels) -> \(outputChannels) must be positive multiples of groups \(groups)")
        }
        guard kernelSize.0 > 0, kernelSize.1 > 0 else { throw TensorError("Conv2d", "kernel size \(kernelSize) must be positive") }
        let shape: Shape = [outputChannels, inputChannels / groups, kernelSize.0, kernelSize.1]
        let w = try Init.kaimingUniform(shape, a: Float(5).squareRoot(), generator: &generator)
        let b = bias ? try Init.uniform([outputChannels], bound: 1 / Float(try Init.fanIn(shape)).squareRoot(), generator: &generator) : nil
        try self.init(weight: w, bias: b, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    /// Square kernel, stride, padding and dilation.
    public convenience init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        dilation: Int = 1, groups: Int = 1, bias: Bool = true, generator: inout some RandomNumberGenerator
    ) throws {
        try self.init(
            inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: (kernelSize, kernelSize),
            stride: (stride, stride), padding: (padding, padding), dilation: (dilation, dilation), groups: groups,
            bias: bias, generator: &generator)
    }

    /// A layer over existing tensors; they become its parameters.
    public init(
        weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
        dilation: (Int, Int) = (1, 1), groups: Int = 1
    ) throws {
        guard weight.rank == 4 else { throw TensorError("Conv2d", "weight must be [O, C/groups, kH, kW], got \(weight.shape)") }
        if let bias, bias.shape != Shape([weight.shape[0]]) {
            throw TensorError("Conv2d", "bias \(bias.shape) does not match weight \(weight.shape)")
        }
        self.weight = weight
        self.bias = bias
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }

    /// x: [N, C, H, W] -> [N, O, H', W']. Matches torch.nn.functional.conv2d; gradients for x,
    /// weight and bias.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try x.conv2d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

public final class Conv1d: Module, Layer {
    /// [outputChannels, inputChannels / groups, k]
    public let weight: Tensor
    /// [outputChannels], or nil.
    public let bias: Tensor?
    public let stride: Int
    public let padding: Int
    public let dilation: Int
    public let groups: Int

    public var inputChannels: Int { weight.shape[1] * groups }
    public var outputChannels: Int { weight.shape[0] }

    /// PyTorch's initialisation (torch.nn.Conv1d.reset_parameters), as Conv2d's.
    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        dilation: Int = 1, groups: Int = 1, bias: Bool = true, generator: inout some RandomNumberGenerator
    ) throws {
        guard inputChannels > 0, outputChannels > 0, groups > 0, kernelSize > 0,
            inputChannels % groups == 0, outputChannels % groups == 0
        else {
            throw TensorError(
                "Conv1d", "channels \(inputChannels) -> \(outputChannels) must be positive multiples of groups \(groups), kernel \(kernelSize) positive")
        }
        let shape: Shape = [outputChannels, inputChannels / groups, kernelSize]
        weight = try Init.kaimingUniform(shape, a: Float(5).squareRoot(), generator: &generator)
        self.bias = bias ? try Init.uniform([outputChannels], bound: 1 / Float(try Init.fanIn(shape)).squareRoot(), generator: &generator) : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }

    /// x: [N, C, L] -> [N, O, L']. Matches torch.nn.functional.conv1d.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try x.conv1d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}
