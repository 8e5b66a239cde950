// Pooling layers as torch.nn.MaxPool2d / AvgPool2d: no parameters, options kept as PyTorch names
// them. `stride` defaults to the kernel, as in PyTorch.
import WarblerTensor

public final class MaxPool2d: Module, Layer {
    public let kernel: (Int, Int)
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let ceilMode: Bool

    public init(kernel: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false) {
        self.kernel = (kernel, kernel)
        self.stride = (stride ?? kernel, stride ?? kernel)
        self.padding = (padding, padding)
        self.ceilMode = ceilMode
    }

    /// x: [N, C, H, W] -> [N, C, H', W']. Matches torch.nn.functional.max_pool2d.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try x.maxPool2d(kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode)
    }
}

public final class AvgPool2d: Module, Layer {
    public let kernel: (Int, Int)
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let ceilMode: Bool
    public let countIncludePad: Bool

    public init(kernel: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false, countIncludePad: Bool = true) {
        self.kernel = (kernel, kernel)
        self.stride = (stride ?? kernel, stride ?? kernel)
        self.padding = (padding, padding)
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
    }

    /// x: [N, C, H, W] -> [N, C, H', W']. Matches torch.nn.functional.avg_pool2d.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try x.avgPool2d(kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad)
    }
}
