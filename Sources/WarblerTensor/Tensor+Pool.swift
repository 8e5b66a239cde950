// Max, average and adaptive average pooling over the last two dimensions of [N, C, H, W]
// (and the last one of [N, C, L] for the 1-D forms, run as 2-D over [N, C, 1, L]), with their
// gradients. Windows, divisors and output sizes follow torch.nn.functional exactly, ceil mode
// and count_include_pad included. Like every op, gradients between ops are assigned.
import Foundation

extension Tensor {
    /// Checks x is [N, C, H, W] and torch's pooling limits; the window over its planes.
    private func poolWindow(
        _ op: String, kernel: (Int, Int), stride: (Int, Int)?, padding: (Int, Int),
        dilation: (Int, Int), ceilMode: Bool
    ) throws -> Window2d {
        guard rank == 4 else { throw TensorError(op, "needs input [N, C, H, W], got \(shape)") }
        let s = stride ?? kernel
        guard kernel.0 >= 1, kernel.1 >= 1, s.0 >= 1, s.1 >= 1, dilation.0 >= 1, dilation.1 >= 1,
            padding.0 >= 0, padding.1 >= 0
        else {
            throw TensorError(op, "kernel \(kernel), stride \(s) and dilation \(dilation) must be positive and padding \(padding) non-negative")
        }
        // torch: the padding may be at most half the kernel.
        guard padding.0 <= kernel.0 / 2, padding.1 <= kernel.1 / 2 else {
            throw TensorError(op, "padding \(padding) is more than half of kernel \(kernel)")
        }
        let w = Window2d(
            height: shape[2], width: shape[3], kernel: kernel, stride: s, padding: padding,
            dilation: dilation, ceilMode: ceilMode)
        guard w.outputHeight > 0, w.outputWidth > 0 else {
            throw TensorError(op, "input \(shape) is too small for \(w)")
        }
        return w
    }

    /// x: [N, C, H, W] -> [N, C, H', W'], each the maximum of its window; padding never wins.
    /// H' = floor((H + 2 padding.0 - dilation.0 (kernel.0 - 1) - 1) / stride.0) + 1, rounded up
    /// with `ceilMode` unless that window would start in the padding. `stride` defaults to the
    /// kernel. Matches torch.nn.functional.max_pool2d; the gradient goes to the first maximum of
    /// each window in row-major order (as PyTorch's indices).
    public func maxPool2d(
        kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
        dilation: (Int, Int) = (1, 1), ceilMode: Bool = false
    ) throws -> Tensor {
        let x = self
        let w = try poolWindow("max_pool2d", kernel: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
        let planes = shape[0] * shape[1]
        let out = Tensor.empty([shape[0], shape[1], w.outputHeight, w.outputWidth], on: backend)
        backend.maxPool2d(storage, planes: planes, window: w, into: out.storage)
        return out.recording("max_pool2d", [x]) { g in
            let gx = Tensor.empty(x.shape, on: g.backend)
            g.backend.maxPool2dBackward(g.storage, x.storage, planes: planes, window: w, into: gx.storage)
            return [gx]
        }
    }

    /// x: [N, C, H, W] -> [N, C, H', W'] (sizes as maxPool2d), each the mean of its window.
    /// The divisor is the window clipped to the padded input when `countIncludePad`, else the
    /// number of input elements it covers. Matches torch.nn.functional.avg_pool2d (no
    /// divisor_override); timm's ResNeSt avg_down uses kernel = stride, ceilMode: true,
    /// countIncludePad: false.
    public func avgPool2d(
        kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
        ceilMode: Bool = false, countIncludePad: Bool = true
    ) throws -> Tensor {
        let w = try poolWindow("avg_pool2d", kernel: kernel, stride: stride, padding: padding, dilation: (1, 1), ceilMode: ceilMode)
        let planes = shape[0] * shape[1]
        let out = Tensor.empty([shape[0], shape[1], w.outputHeight, w.outputWidth], on: backend)
        backend.avgPool2d(storage, planes: planes, window: w, countIncludePad: countIncludePad, into: out.storage)
        let inputShape = shape
        return out.recording("avg_pool2d", [self]) { g in
            let gx = Tensor.empty(inputShape, on: g.backend)
            g.backend.avgPool2dBackward(g.storage, planes: planes, window: w, countIncludePad: countIncludePad, into: gx.storage)
            return [gx]
        }
    }

    /// x: [N, C, H, W] -> [N, C, outputSize.0, outputSize.1]: output cell (i, j) is the mean of
    /// rows floor(i H / oH) ..< ceil((i + 1) H / oH) and the columns likewise. Matches
    /// torch.nn.functional.adaptive_avg_pool2d. (1, 1) is the global average pool.
    public func adaptiveAvgPool2d(_ outputSize: (Int, Int)) throws -> Tensor {
        guard rank == 4 else { throw TensorError("adaptive_avg_pool2d", "needs input [N, C, H, W], got \(shape)") }
        let (h, w) = (shape[2], shape[3]), (oh, ow) = outputSize
        guard oh >= 1, ow >= 1, h >= 1, w >= 1 else {
            throw TensorError("adaptive_avg_pool2d", "output size \(outputSize) for input \(shape)")
        }
        // Even division: plain average pooling with kernel = stride.
        if h % oh == 0 && w % ow == 0 {
            return try avgPool2d(kernel: (h / oh, w / ow), stride: (h / oh, w / ow))
        }
        // Otherwise windows of varying size: a mean per band of rows, then per band of columns.
        let rows = try (0..<oh).map { i in
            try sliced(2, (i * h / oh)..<((i + 1) * h + oh - 1) / oh).mean(axes: [2], keepingDims: true)
        }
        let banded = try Tensor.concatenated(rows, axis: 2)
        let cols = try (0..<ow).map { j in
            try banded.sliced(3, (j * w / ow)..<((j + 1) * w + ow - 1) / ow).mean(axes: [3], keepingDims: true)
        }
        return try Tensor.concatenated(cols, axis: 3)
    }

    /// x: [N, C, H, W] -> [N, C, size, size]. torch.nn.functional.adaptive_avg_pool2d(x, size);
    /// `adaptiveAvgPool2d(1)` is the global average pool (the mean over H and W, dims kept).
    public func adaptiveAvgPool2d(_ size: Int) throws -> Tensor { try adaptiveAvgPool2d((size, size)) }

    /// x: [N, C, L] -> [N, C, L']. torch.nn.functional.max_pool1d (see maxPool2d).
    public func maxPool1d(kernel: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1, ceilMode: Bool = false) throws -> Tensor {
        guard rank == 3 else { throw TensorError("max_pool1d", "needs input [N, C, L], got \(shape)") }
        return try unsqueezed(2).maxPool2d(
            kernel: (1, kernel), stride: (1, stride ?? kernel), padding: (0, padding),
            dilation: (1, dilation), ceilMode: ceilMode
        ).squeezed(2)
    }

    /// x: [N, C, L] -> [N, C, L']. torch.nn.functional.avg_pool1d (see avgPool2d).
    public func avgPool1d(
        kernel: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false,
        countIncludePad: Bool = true
    ) throws -> Tensor {
        guard rank == 3 else { throw TensorError("avg_pool1d", "needs input [N, C, L], got \(shape)") }
        return try unsqueezed(2).avgPool2d(
            kernel: (1, kernel), stride: (1, stride ?? kernel), padding: (0, padding),
            ceilMode: ceilMode, countIncludePad: countIncludePad
        ).squeezed(2)
    }

    /// x: [N, C, L] -> [N, C, size]. torch.nn.functional.adaptive_avg_pool1d.
    public func adaptiveAvgPool1d(_ size: Int) throws -> Tensor {
        guard rank == 3 else { throw TensorError("adaptive_avg_pool1d", "needs input [N, C, L], got \(shape)") }
        return try unsqueezed(2).adaptiveAvgPool2d((1, size)).squeezed(2)
    }
}
