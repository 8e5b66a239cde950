// Split attention ("Splat"), the ResNeSt conv2 (timm.layers.SplitAttn). Keys:
//   conv.weight [radix*C, C_in/(radix*card), k, k]   grouped conv, groups = radix * cardinality
//   bn0.*  [radix*C]                                   batch norm, then ReLU
//   fc1.weight [A, C/card, 1, 1], fc1.bias [A]         1x1 conv on the pooled sum of the splits
//   bn1.*  [A]                                         batch norm, then ReLU
//   fc2.weight [radix*C, A/card, 1, 1], fc2.bias       1x1 conv to one logit per split and channel
// with A = make_divisible(C_in * radix / 4, divisor 8, min 32). rSoftMax normalises the logits
// over the radix within each cardinal group (sigmoid when radix is 1); the output is the
// attention-weighted sum of the splits.
import WarblerNN
import WarblerTensor

public final class SplitAttention: Module, Layer {
    public let conv: Conv2d
    public let bn0: BatchNorm2d
    public let fc1: Conv2d
    public let bn1: BatchNorm2d
    public let fc2: Conv2d
    public let radix: Int
    public let cardinality: Int

    /// timm's make_divisible(v, divisor, min_value): v rounded to the nearest multiple of
    /// `divisor`, at least `minimum`, and bumped up once if rounding lost more than 10%.
    public static func makeDivisible(_ v: Double, divisor: Int = 8, minimum: Int? = nil) -> Int {
        let minValue = minimum ?? divisor
        var result = Swift.max(minValue, Int(v + Double(divisor) / 2) / divisor * divisor)
        if Double(result) < 0.9 * v { result += divisor }
        return result
    }

    /// in -> out channels through a k x k conv (stride, padding, dilation as given).
    init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int = 3, stride: Int, padding: Int, dilation: Int,
        cardinality: Int, radix: Int, generator: inout some RandomNumberGenerator
    ) throws {
        let mid = outputChannels * radix
        let attention = Self.makeDivisible(Double(inputChannels * radix) * 0.25, divisor: 8, minimum: 32)
        conv = try TimmInit.conv(
            inputChannels, mid, kernel: kernelSize, stride: stride, padding: padding, dilation: dilation,
            groups: cardinality * radix, generator: &generator)
        bn0 = try BatchNorm2d(channels: mid)
        fc1 = try TimmInit.conv(outputChannels, attention, kernel: 1, groups: cardinality, bias: true, generator: &generator)
        bn1 = try BatchNorm2d(channels: attention)
        fc2 = try TimmInit.conv(attention, mid, kernel: 1, groups: cardinality, bias: true, generator: &generator)
        self.radix = radix
        self.cardinality = cardinality
    }

    /// x: [B, C_in, H, W] -> [B, C, H', W']. Matches timm.layers.SplitAttn.forward.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let y = try bn0(conv(x), relu: true)
        let (b, rc, h, w) = (y.shape[0], y.shape[1], y.shape[2], y.shape[3])
        let c = rc / radix
        let splits = try y.reshaped(b, radix, c, h, w)
        let summed = radix > 1 ? try splits.sum(axes: [1]) : y
        let pooled = try summed.mean(axes: [2, 3], keepingDims: true)
        let logits = try fc2(bn1(fc1(pooled), relu: true))
        let weights: Tensor
        if radix > 1 {
            // RadixSoftmax: [B, card, radix, rest] -> softmax over the radix axis, laid out [B, radix, card, rest].
            weights = try logits.reshaped(b, cardinality, radix, -1).transposed(1, 2).softmax(axis: 1)
        } else {
            weights = logits.sigmoid()
        }
        let weighted = try splits * weights.reshaped(b, radix, c, 1, 1)
        return radix > 1 ? try weighted.sum(axes: [1]) : try weighted.reshaped(b, c, h, w)
    }
}
