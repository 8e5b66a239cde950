// The full geometry of one 2-D convolution (batch, channels, groups and the sliding window):
// what the backend's convolution primitives take, and the key under which a backend caches
// whatever it prepares for a shape (oneDNN primitives on the CPU).
public struct Conv2dGeometry: Sendable, Hashable, CustomStringConvertible {
    /// N: images in the batch.
    public var images: Int
    /// C: input channels.
    public var channels: Int
    /// O: output channels.
    public var outChannels: Int
    /// Groups: output channel o of group g = o / (O / groups) sees input channels
    /// g C/groups ..< (g + 1) C/groups.
    public var groups: Int
    /// Input H x W, kernel, stride, zero padding, dilation and the output H' x W'.
    public var window: Window2d

    public init(images: Int, channels: Int, outChannels: Int, groups: Int, window: Window2d) {
        self.images = images
        self.channels = channels
        self.outChannels = outChannels
        self.groups = groups
        self.window = window
    }

    /// Input channels per group (C / groups).
    public var groupChannels: Int { channels / groups }
    /// Output channels per group (O / groups).
    public var groupOutChannels: Int { outChannels / groups }
    /// Elements of x [N, C, H, W].
    public var inputCount: Int { images * channels * window.inputArea }
    /// Elements of the weight [O, C/groups, kH, kW].
    public var weightCount: Int { outChannels * groupChannels * window.kernelArea }
    /// Elements of y [N, O, H', W'].
    public var outputCount: Int { images * outChannels * window.outputArea }
    /// Multiply-adds of the forward pass (each backward pass does as many).
    public var multiplyAdds: Int { outputCount * groupChannels * window.kernelArea }

    /// Every number that defines the convolution, in a fixed order.
    var fields: [Int] {
        let w = window
        return [
            images, channels, outChannels, groups, w.height, w.width, w.kernelHeight, w.kernelWidth,
            w.strideHeight, w.strideWidth, w.paddingHeight, w.paddingWidth, w.dilationHeight, w.dilationWidth,
        ]
    }

    public static func == (a: Conv2dGeometry, b: Conv2dGeometry) -> Bool { a.fields == b.fields }
    public func hash(into hasher: inout Hasher) { hasher.combine(fields) }

    public var description: String {
        "[\(images), \(channels), \(window.height), \(window.width)] -> [\(images), \(outChannels), "
            + "\(window.outputHeight), \(window.outputWidth)], groups \(groups), \(window)"
    }
}
