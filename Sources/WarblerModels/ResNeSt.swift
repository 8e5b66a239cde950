// ResNeSt backbone (timm's ResNet built with ResNestBottleneck), without the classifier:
//   conv1 = Sequential(conv 3x3/2 in->s, bn, ReLU, conv 3x3 s->s, bn, ReLU, conv 3x3 s->2s)
//   bn1, ReLU, maxpool 3x3/2 pad 1, layer1 ... layer4 (stride 1, 2, 2, 2).
// Keys equal timm's state_dict without `fc.` (conv1.0.weight, conv1.1.running_mean, bn1.weight,
// layer1.0.conv2.fc1.bias, layer2.0.downsample.1.weight, ...). A stage's first block gets a
// shortcut when its stride or width changes: Sequential(AvgPool2d(2, stride, ceil_mode true,
// count_include_pad false) or Identity, Conv2d 1x1, BatchNorm2d) (timm's downsample_avg).
import WarblerNN
import WarblerTensor

public final class ResNeSt: Module, Layer {
    public let config: ResNeStConfig
    public let conv1: Sequential
    public let bn1: BatchNorm2d
    public let stages: [Sequential]

    /// A randomly initialised backbone (timm's init_weights, drawn from `generator`).
    public init(config: ResNeStConfig, generator: inout some RandomNumberGenerator) throws {
        try config.validate()
        self.config = config
        let s = config.stemWidth
        let stemOut = 2 * s
        conv1 = Sequential([
            try TimmInit.conv(config.inChannels, s, kernel: 3, stride: 2, padding: 1, generator: &generator),
            try BatchNorm2d(channels: s), ReLU(),
            try TimmInit.conv(s, s, kernel: 3, padding: 1, generator: &generator),
            try BatchNorm2d(channels: s), ReLU(),
            try TimmInit.conv(s, stemOut, kernel: 3, padding: 1, generator: &generator),
        ])
        bn1 = try BatchNorm2d(channels: stemOut)
        var inputChannels = stemOut
        var stages: [Sequential] = []
        for (index, (planes, blocks)) in zip(config.channels, config.layers).enumerated() {
            let stride = index == 0 ? 1 : 2
            var downsample: Sequential?
            if stride != 1 || inputChannels != planes * 4 {
                let pool: any Layer = stride == 1 ? Identity() : AvgPool2d(kernel: 2, stride: stride, ceilMode: true, countIncludePad: false)
                downsample = Sequential([
                    pool, try TimmInit.conv(inputChannels, planes * 4, kernel: 1, generator: &generator),
                    try BatchNorm2d(channels: planes * 4),
                ])
            }
            let stage = Sequential()
            for b in 0..<blocks {
                stage.append(
                    try ResNeStBottleneck(
                        inputChannels: inputChannels, planes: planes, stride: b == 0 ? stride : 1,
                        downsample: b == 0 ? downsample : nil, config: config, generator: &generator))
                inputChannels = planes * 4
            }
            stages.append(stage)
        }
        self.stages = stages
    }

    /// timm names the stages layer1, layer2, ...
    public override var children: [(String, Module)] {
        [("conv1", conv1), ("bn1", bn1)] + stages.enumerated().map { ("layer\($0.offset + 1)", $0.element) }
    }

    /// x: [B, inChannels, H, W] -> feature map [B, 4 * channels.last, H/32, W/32] (each size
    /// rounded up at every stride-2 step). Matches timm ResNet.forward_features.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        guard x.rank == 4, x.shape[1] == config.inChannels else {
            throw TensorError("ResNeSt", "needs input [B, \(config.inChannels), H, W], got \(x.shape)")
        }
        var y = try bn1(conv1(x), relu: true)
        y = try y.maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        for stage in stages { y = try stage(y) }
        return y
    }
}
