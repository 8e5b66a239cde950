// The ResNeSt bottleneck (timm.models.resnest.ResNestBottleneck):
//   conv1 1x1 (in -> G) - bn1 - ReLU - [avd_first pool] - conv2 split attention (3x3, G -> G)
//   - [avd_last pool] - conv3 1x1 (G -> 4 planes) - bn3, plus the shortcut (downsample or x),
//   then ReLU;  G = int(planes * baseWidth / 64) * cardinality.
// With avd a strided block moves its stride from the 3x3 conv to a 3x3 average pool
// (stride s, padding 1, count_include_pad true, as nn.AvgPool2d(3, s, padding=1)).
// Keys: conv1, bn1, conv2.{conv,bn0,fc1,bn1,fc2}, conv3, bn3, downsample.{1,2} (index 0 is the
// shortcut's average pool, or Identity).
import WarblerNN
import WarblerTensor

public final class ResNeStBottleneck: Module, Layer {
    public let conv1: Conv2d
    public let bn1: BatchNorm2d
    /// The strided block's 3x3 average pool before the split attention (config.avdFirst), as
    /// timm's `avd_first`.
    let avdFirst: AvgPool2d?
    public let conv2: SplitAttention
    /// The same pool after the split attention (timm's `avd_last`, the default).
    let avdLast: AvgPool2d?
    public let conv3: Conv2d
    public let bn3: BatchNorm2d
    public let downsample: Sequential?

    init(
        inputChannels: Int, planes: Int, stride: Int, downsample: Sequential?, config: ResNeStConfig,
        generator: inout some RandomNumberGenerator
    ) throws {
        let width = Int(Double(planes) * (Double(config.baseWidth) / 64)) * config.cardinality
        let avdPool = config.avd && stride > 1 ? AvgPool2d(kernel: 3, stride: stride, padding: 1) : nil
        let convStride = avdPool == nil ? stride : 1
        avdFirst = config.avdFirst ? avdPool : nil
        avdLast = config.avdFirst ? nil : avdPool
        conv1 = try TimmInit.conv(inputChannels, width, kernel: 1, generator: &generator)
        bn1 = try BatchNorm2d(channels: width)
        conv2 = try SplitAttention(
            inputChannels: width, outputChannels: width, stride: convStride, padding: 1, dilation: 1,
            cardinality: config.cardinality, radix: config.radix, generator: &generator)
        conv3 = try TimmInit.conv(width, planes * 4, kernel: 1, generator: &generator)
        let lastNorm = try BatchNorm2d(channels: planes * 4)
        // timm's zero_init_last: each residual branch starts as zero.
        try GradMode.withoutGradients { try lastNorm.weight.copy(from: Tensor.zeros([planes * 4])) }
        bn3 = lastNorm
        self.downsample = downsample
    }

    /// x: [B, C_in, H, W] -> [B, 4 planes, H', W'] (H' = ceil(H / stride) for stride 1 or 2).
    /// Matches ResNestBottleneck.forward.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        var out = try bn1(conv1(x), relu: true)
        if let avdFirst { out = try avdFirst(out) }
        out = try conv2(out)
        if let avdLast { out = try avdLast(out) }
        out = try bn3(conv3(out))
        let shortcut = try downsample.map { try $0(x) } ?? x
        return try out.addingReLU(shortcut)
    }
}
