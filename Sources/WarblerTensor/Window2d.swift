// The geometry of a 2-D sliding window over [H, W] planes: kernel, stride, zero padding,
// dilation and the output size they give. Shared by convolution (im2col/col2im) and pooling,
// on every backend. Output sizes follow PyTorch's `conv_output_size` and
// `pooling_output_shape` (ceil mode drops a last window that would start in the right/bottom
// padding).
public struct Window2d: Sendable, Equatable, CustomStringConvertible {
    public var height: Int, width: Int
    public var kernelHeight: Int, kernelWidth: Int
    public var strideHeight: Int, strideWidth: Int
    public var paddingHeight: Int, paddingWidth: Int
    public var dilationHeight: Int, dilationWidth: Int
    public var outputHeight: Int, outputWidth: Int

    /// Planes of `height` x `width` under a `kernel` window. `outputHeight`/`outputWidth` are
    /// floor((H + 2p - d (k - 1) - 1) / s) + 1, rounded up instead with `ceilMode`.
    public init(
        height: Int, width: Int, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int),
        dilation: (Int, Int) = (1, 1), ceilMode: Bool = false
    ) {
        self.height = height
        self.width = width
        (kernelHeight, kernelWidth) = kernel
        (strideHeight, strideWidth) = stride
        (paddingHeight, paddingWidth) = padding
        (dilationHeight, dilationWidth) = dilation
        outputHeight = Window2d.outputSize(height, kernel.0, stride.0, padding.0, dilation.0, ceilMode)
        outputWidth = Window2d.outputSize(width, kernel.1, stride.1, padding.1, dilation.1, ceilMode)
    }

    static func outputSize(_ n: Int, _ k: Int, _ s: Int, _ p: Int, _ d: Int, _ ceil: Bool) -> Int {
        guard s > 0 else { return 0 }
        let span = n + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0)
        var out = floorDivide(span, s) + 1
        // The last window must start inside the input or the left/top padding.
        if ceil && (out - 1) * s >= n + p { out -= 1 }
        return Swift.max(out, 0)
    }

    /// Kernel taps per window (kH * kW).
    public var kernelArea: Int { kernelHeight * kernelWidth }
    /// Window positions per plane (H' * W').
    public var outputArea: Int { outputHeight * outputWidth }
    /// Elements per input plane (H * W).
    public var inputArea: Int { height * width }

    /// Whether every window is one input element in place (1x1 kernel, stride 1, no padding):
    /// im2col is then the identity.
    public var isIdentity: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideHeight == 1 && strideWidth == 1
            && paddingHeight == 0 && paddingWidth == 0
    }

    public var description: String {
        "kernel (\(kernelHeight), \(kernelWidth)), stride (\(strideHeight), \(strideWidth)), "
            + "padding (\(paddingHeight), \(paddingWidth)), dilation (\(dilationHeight), \(dilationWidth)) "
            + "over \(height)x\(width) -> \(outputHeight)x\(outputWidth)"
    }
}

/// floor(a / b) for b > 0 (rounding toward -infinity, as PyTorch's div_rtn).
@inline(__always) func floorDivide(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
