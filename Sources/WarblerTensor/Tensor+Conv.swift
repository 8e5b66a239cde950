// 2-D and 1-D convolution (cross-correlation, as PyTorch) with groups, stride, zero padding and
// dilation, and their gradients. The work is the backend's: `conv2dForward`,
// `conv2dBackwardData` and `conv2dBackwardWeights` (oneDNN or im2col + GEMM on the CPU, see
// CPUBackend+Convolution.swift). Like every op, gradients of parameters accumulate (+=) and those
// between ops are assigned.
import Foundation

extension Tensor {
    /// x: [N, C, H, W], weight: [O, C / groups, kH, kW], bias: [O] -> [N, O, H', W'] with
    /// H' = floor((H + 2 padding.0 - dilation.0 (kH - 1) - 1) / stride.0) + 1 (W' likewise).
    /// Matches torch.nn.functional.conv2d (zero padding). Output channel o of group
    /// g = o / (O / groups) sees input channels g C/groups ..< (g + 1) C/groups.
    /// Gradients for x, weight and bias.
    public func conv2d(
        weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
        dilation: (Int, Int) = (1, 1), groups: Int = 1
    ) throws -> Tensor {
        let x = self
        try x.checkSameDevice(weight, "conv2d")
        guard x.rank == 4, weight.rank == 4 else {
            throw TensorError("conv2d", "needs input [N, C, H, W] and weight [O, C/groups, kH, kW], got \(x.shape) and \(weight.shape)")
        }
        guard stride.0 >= 1, stride.1 >= 1, dilation.0 >= 1, dilation.1 >= 1, padding.0 >= 0, padding.1 >= 0 else {
            throw TensorError("conv2d", "stride \(stride) and dilation \(dilation) must be positive and padding \(padding) non-negative")
        }
        let (n, c, o) = (x.shape[0], x.shape[1], weight.shape[0])
        guard groups >= 1, c % groups == 0, o % groups == 0, weight.shape[1] * groups == c else {
            throw TensorError(
                "conv2d",
                "input \(x.shape) and weight \(weight.shape) do not fit \(groups) groups "
                    + "(weight needs [O, C/groups, kH, kW] with O and C divisible by groups)")
        }
        if let bias {
            try x.checkSameDevice(bias, "conv2d")
            guard bias.shape == Shape([o]) else {
                throw TensorError("conv2d", "bias \(bias.shape) for weight \(weight.shape) (needs [\(o)])")
            }
        }
        let window = Window2d(
            height: x.shape[2], width: x.shape[3], kernel: (weight.shape[2], weight.shape[3]),
            stride: stride, padding: padding, dilation: dilation)
        guard window.outputHeight > 0, window.outputWidth > 0 else {
            throw TensorError("conv2d", "input \(x.shape) is smaller than weight \(weight.shape) with \(window)")
        }
        let geometry = Conv2dGeometry(images: n, channels: c, outChannels: o, groups: groups, window: window)
        let backend = x.backend
        let out = Tensor.empty([n, o, window.outputHeight, window.outputWidth], on: backend)
        backend.conv2dForward(x.storage, weight: weight.storage, bias: bias?.storage, geometry: geometry, into: out.storage)
        return out.recording("conv2d", [x, weight] + (bias.map { [$0] } ?? [])) { g in
            var gx: Tensor?, gw: Tensor?, gb: Tensor?
            if x.requiresGrad {
                let dx = Tensor.empty(x.shape, on: backend)
                backend.conv2dBackwardData(g.storage, weight: weight.storage, geometry: geometry, into: dx.storage)
                gx = dx
            }
            if weight.requiresGrad { gw = Tensor.empty(weight.shape, on: backend) }
            if bias?.requiresGrad == true { gb = Tensor.empty([o], on: backend) }
            if gw != nil || gb != nil {
                backend.conv2dBackwardWeights(g.storage, x.storage, geometry: geometry, into: gw?.storage, gradBias: gb?.storage)
            }
            return [gx, gw, gb]
        }
    }

    /// x: [N, C, L], weight: [O, C / groups, k], bias: [O] -> [N, O, L'] with
    /// L' = floor((L + 2 padding - dilation (k - 1) - 1) / stride) + 1. Matches
    /// torch.nn.functional.conv1d (zero padding); runs as conv2d over [N, C, 1, L].
    public func conv1d(
        weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
        groups: Int = 1
    ) throws -> Tensor {
        guard rank == 3, weight.rank == 3 else {
            throw TensorError("conv1d", "needs input [N, C, L] and weight [O, C/groups, k], got \(shape) and \(weight.shape)")
        }
        let y = try unsqueezed(2).conv2d(
            weight: weight.unsqueezed(2), bias: bias, stride: (1, stride), padding: (0, padding),
            dilation: (1, dilation), groups: groups)
        return try y.squeezed(2)
    }
}
