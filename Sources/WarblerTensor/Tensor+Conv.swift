// 2-D and 1-D convolution (cross-correlation, as PyTorch) with groups, stride, zero padding and
// dilation, as im2col + GEMM per group, batched over the images of a chunk; and its gradients:
// input = col2im(W^T * dY) (the adjoint of the unfolding), weight = dY * cols^T summed over the
// images, bias = dY summed over N, H', W'. The columns are rebuilt in the backward pass rather
// than kept, and built a chunk of images at a time so they stay under `columnBudget`.
// A 1x1, stride-1, unpadded convolution skips the unfolding: the input is its own columns.
// Like every op, gradients of parameters accumulate (+=) and those between ops are assigned.
import Foundation

/// The shapes and chunking of one convolution, shared by its forward and backward passes.
struct Conv2dPlan {
    let images: Int, channels: Int, outChannels: Int, groups: Int
    let window: Window2d
    /// Input channels and output channels per group.
    var groupChannels: Int { channels / groups }
    var groupOutChannels: Int { outChannels / groups }
    /// Column rows per group (C/groups * kH * kW): the GEMM's reduction length.
    var groupRows: Int { groupChannels * window.kernelArea }
    /// Column elements per image (C * kH * kW * H' * W').
    var columnsPerImage: Int { channels * window.kernelArea * window.outputArea }
    /// Elements per image of the output (O * H' * W').
    var outputPerImage: Int { outChannels * window.outputArea }

    /// Floats of column buffer one chunk may use (16 MiB; a single image may need more). Kept
    /// under glibc's largest mmap threshold (32 MiB) so that, once freed, the buffer is reused
    /// from the heap instead of being mapped and page-faulted afresh on every call: a 56 MiB
    /// buffer made the unfolding 8x slower than the same work into warm memory.
    static let columnBudget = 1 << 22
    /// Images per chunk of unfolded columns.
    var chunk: Int {
        window.isIdentity ? images : Swift.max(1, Swift.min(images, Conv2dPlan.columnBudget / Swift.max(1, columnsPerImage)))
    }

    /// Columns of images first..<first+count: the input itself when the unfolding is the
    /// identity, else `buffer` filled by im2col. Returns the storage and the offset of image `first`.
    func columns(_ x: Tensor, _ first: Int, _ count: Int, _ buffer: Storage?) -> (Storage, Int) {
        guard let buffer else { return (x.storage, first * columnsPerImage) }
        x.backend.im2col(x.storage, offset: first * channels * window.inputArea, images: count, channels: channels,
                         window: window, into: buffer)
        return (buffer, 0)
    }

    func buffer(_ backend: Backend) -> Storage? { window.isIdentity ? nil : backend.allocate(chunk * columnsPerImage) }

    /// y[n, g] = W[g] [O/g, K] * cols[n, g] [K, H'W'] (+ bias): x [N, C, H, W] -> [N, O, H', W'].
    func forward(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?) -> Tensor {
        let backend = x.backend
        let out = Tensor.empty([images, outChannels, window.outputHeight, window.outputWidth], on: backend)
        if let bias {
            // Start from the bias broadcast over [N, O, H'W'] and let the GEMM add onto it.
            backend.gather(bias.storage, offset: 0, strides: [0, 1, 0],
                           shape: [images, outChannels, window.outputArea], into: out.storage)
        }
        let buffer = buffer(backend)
        for first in stride(from: 0, to: images, by: chunk) {
            let count = Swift.min(chunk, images - first)
            let (cols, base) = columns(x, first, count, buffer)
            for g in 0..<groups {
                backend.gemm(transA: false, transB: false, m: groupOutChannels, n: window.outputArea, k: groupRows, alpha: 1,
                             a: weight.storage, aOffset: g * groupOutChannels * groupRows, aBatchStride: 0,
                             b: cols, bOffset: base + g * groupRows * window.outputArea, bBatchStride: columnsPerImage,
                             beta: bias == nil ? 0 : 1,
                             c: out.storage, cOffset: first * outputPerImage + g * groupOutChannels * window.outputArea,
                             cBatchStride: outputPerImage, batch: count)
            }
        }
        return out
    }

    /// dX = col2im(W[g]^T * dY[n, g]): gradOutput [N, O, H', W'] -> [N, C, H, W].
    func inputGradient(_ gradOutput: Tensor, _ weight: Tensor) -> Tensor {
        let backend = gradOutput.backend
        let gx = Tensor.empty([images, channels, window.height, window.width], on: backend)
        let buffer = buffer(backend)
        for first in stride(from: 0, to: images, by: chunk) {
            let count = Swift.min(chunk, images - first)
            // Identity unfolding: the column gradient is the input gradient itself.
            let (cols, base) = buffer.map { ($0, 0) } ?? (gx.storage, first * columnsPerImage)
            for g in 0..<groups {
                backend.gemm(transA: true, transB: false, m: groupRows, n: window.outputArea, k: groupOutChannels, alpha: 1,
                             a: weight.storage, aOffset: g * groupOutChannels * groupRows, aBatchStride: 0,
                             b: gradOutput.storage, bOffset: first * outputPerImage + g * groupOutChannels * window.outputArea,
                             bBatchStride: outputPerImage,
                             beta: 0, c: cols, cOffset: base + g * groupRows * window.outputArea,
                             cBatchStride: columnsPerImage, batch: count)
            }
            if let buffer {
                backend.col2im(buffer, images: count, channels: channels, window: window,
                               into: gx.storage, offset: first * channels * window.inputArea)
            }
        }
        return gx
    }

    /// dW[g] = sum over n of dY[n, g] [O/g, H'W'] * cols[n, g]^T: -> [O, C/g, kH, kW].
    func weightGradient(_ gradOutput: Tensor, _ x: Tensor) -> Tensor {
        let backend = gradOutput.backend
        let gw = Tensor.empty([outChannels, groupChannels, window.kernelHeight, window.kernelWidth], on: backend)
        backend.fill(gw.storage, with: 0)
        let buffer = buffer(backend)
        for first in stride(from: 0, to: images, by: chunk) {
            let count = Swift.min(chunk, images - first)
            let (cols, base) = columns(x, first, count, buffer)
            for n in 0..<count {
                for g in 0..<groups {
                    backend.gemm(transA: false, transB: true, m: groupOutChannels, n: groupRows, k: window.outputArea, alpha: 1,
                                 a: gradOutput.storage,
                                 aOffset: (first + n) * outputPerImage + g * groupOutChannels * window.outputArea, aBatchStride: 0,
                                 b: cols, bOffset: base + n * columnsPerImage + g * groupRows * window.outputArea, bBatchStride: 0,
                                 beta: 1, c: gw.storage, cOffset: g * groupOutChannels * groupRows, cBatchStride: 0, batch: 1)
                }
            }
        }
        return gw
    }

    /// dB = dY summed over N, H', W' (a GEMM against ones per image): -> [O].
    func biasGradient(_ gradOutput: Tensor) throws -> Tensor {
        let backend = gradOutput.backend
        let gb = Tensor.empty([outChannels], on: backend)
        backend.fill(gb.storage, with: 0)
        let ones = try Tensor.ones([window.outputArea], device: gradOutput.device)
        for n in 0..<images {
            backend.gemm(transA: false, transB: false, m: outChannels, n: 1, k: window.outputArea, alpha: 1,
                         a: gradOutput.storage, aOffset: n * outputPerImage, aBatchStride: 0,
                         b: ones.storage, bOffset: 0, bBatchStride: 0,
                         beta: 1, c: gb.storage, cOffset: 0, cBatchStride: 0, batch: 1)
        }
        return gb
    }
}

extension Tensor {
    /// x: [N, C, H, W], weight: [O, C / groups, kH, kW], bias: [O] -> [N, O, H', W'] with
    /// H' = floor((H + 2 padding.0 - dilation.0 (kH - 1) - 1) / stride.0) + 1 (W' likewise).
    /// Matches torch.nn.functional.conv2d (zero padding). Output channel o of group
    /// g = o / (O / groups) sees input channels g C/groups ..< (g + 1) C/groups.
    /// Gradients for x, weight and bias.
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                       dilation: (Int, Int) = (1, 1), groups: Int = 1) throws -> Tensor {
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
            throw TensorError("conv2d", "input \(x.shape) and weight \(weight.shape) do not fit \(groups) groups "
                                + "(weight needs [O, C/groups, kH, kW] with O and C divisible by groups)")
        }
        if let bias {
            try x.checkSameDevice(bias, "conv2d")
            guard bias.shape == Shape([o]) else {
                throw TensorError("conv2d", "bias \(bias.shape) for weight \(weight.shape) (needs [\(o)])")
            }
        }
        let window = Window2d(height: x.shape[2], width: x.shape[3], kernel: (weight.shape[2], weight.shape[3]),
                              stride: stride, padding: padding, dilation: dilation)
        guard window.outputHeight > 0, window.outputWidth > 0 else {
            throw TensorError("conv2d", "input \(x.shape) is smaller than weight \(weight.shape) with \(window)")
        }
        let plan = Conv2dPlan(images: n, channels: c, outChannels: o, groups: groups, window: window)
        let out = plan.forward(x, weight, bias)
        return out.recording("conv2d", [x, weight] + (bias.map { [$0] } ?? [])) { g in
            [x.requiresGrad ? plan.inputGradient(g, weight) : nil,
             weight.requiresGrad ? plan.weightGradient(g, x) : nil,
             bias?.requiresGrad == true ? try plan.biasGradient(g) : nil]
        }
    }

    /// x: [N, C, L], weight: [O, C / groups, k], bias: [O] -> [N, O, L'] with
    /// L' = floor((L + 2 padding - dilation (k - 1) - 1) / stride) + 1. Matches
    /// torch.nn.functional.conv1d (zero padding); runs as conv2d over [N, C, 1, L].
    public func conv1d(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                       groups: Int = 1) throws -> Tensor {
        guard rank == 3, weight.rank == 3 else {
            throw TensorError("conv1d", "needs input [N, C, L] and weight [O, C/groups, k], got \(shape) and \(weight.shape)")
        }
        let y = try unsqueezed(2).conv2d(weight: weight.unsqueezed(2), bias: bias, stride: (1, stride), padding: (0, padding),
                                         dilation: (1, dilation), groups: groups)
        return try y.squeezed(2)
    }
}
