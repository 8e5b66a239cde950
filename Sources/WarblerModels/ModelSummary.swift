// A model's layer table for one input size: per stem layer, bottleneck block, GRU and head, the
// output shape, the parameter count and the floating-point operations of one forward pass.
// Shapes come from running the backbone on zeros (no gradients); FLOPs count multiply-adds as 2
// in convolutions, the GRU's matrix products and the head's 1x1 convolutions (batch norm,
// activations, pooling and the softmax are not counted, as fvcore/thop count).
import WarblerNN
import WarblerTensor

public struct LayerSummary: Sendable {
    /// Module path (`backbone.layer1.0`, `gru`, ...).
    public var name: String
    public var kind: String
    /// Output shape for batch 1.
    public var outputShape: [Int]
    public var parameters: Int
    public var flops: Int
}

public struct ModelSummary: Sendable {
    public var layers: [LayerSummary]
    public var frames: Int
    public var mels: Int
    public var parameters: Int { layers.reduce(0) { $0 + $1.parameters } }
    public var flops: Int { layers.reduce(0) { $0 + $1.flops } }
}

extension SEDModel {
    /// The layer table for one clip [1, inChannels, frames, mels] (the seed's 5-s clip is
    /// 501 x 128).
    public func summary(frames: Int = 501, mels: Int = 128) throws -> ModelSummary {
        try GradMode.withoutGradients {
            let wasTraining = isTraining
            eval()
            defer { train(wasTraining) }
            var rows: [LayerSummary] = []
            func count(_ m: Module) -> Int { m.parameterTensors().reduce(0) { $0 + $1.count } }
            func convFLOPs(_ c: Conv2d, positions: Int) -> Int { 2 * c.weight.count * positions }
            func area(_ t: Tensor) -> Int { t.shape[2] * t.shape[3] }

            var x = try Tensor.zeros([1, config.backbone.inChannels, frames, mels])
            for (i, layer) in backbone.conv1.layers.enumerated() {
                x = try layer(x)
                guard let conv = layer as? Conv2d else { continue }
                rows.append(
                    LayerSummary(
                        name: "backbone.conv1.\(i)", kind: "Conv2d \(conv.kernelSize.0)x\(conv.kernelSize.1)/\(conv.stride.0)",
                        outputShape: x.shape.dims, parameters: count(conv) + (i == 6 ? 0 : count(backbone.conv1[i + 1])),
                        flops: convFLOPs(conv, positions: area(x))))
            }
            x = try backbone.bn1(x).relu().maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
            rows.append(
                LayerSummary(
                    name: "backbone.bn1+maxpool", kind: "BatchNorm2d, MaxPool2d 3x3/2", outputShape: x.shape.dims,
                    parameters: count(backbone.bn1), flops: 0))
            for (s, stage) in backbone.stages.enumerated() {
                for (b, layer) in stage.layers.enumerated() {
                    guard let block = layer as? ResNeStBottleneck else { continue }
                    let input = x
                    x = try block(x)
                    let strided = area(x) != area(input)
                    // The split-attention conv runs before the avd pool (avdFirst false) at the input size.
                    let convArea = strided && !config.backbone.avdFirst && config.backbone.avd ? area(input) : area(x)
                    var flops =
                        convFLOPs(block.conv1, positions: area(input)) + convFLOPs(block.conv2.conv, positions: convArea)
                        + convFLOPs(block.conv2.fc1, positions: 1) + convFLOPs(block.conv2.fc2, positions: 1)
                        + convFLOPs(block.conv3, positions: area(x))
                    if let down = block.downsample, let conv = down[1] as? Conv2d { flops += convFLOPs(conv, positions: area(x)) }
                    rows.append(
                        LayerSummary(
                            name: "backbone.layer\(s + 1).\(b)", kind: "ResNeSt bottleneck" + (strided ? " /2" : ""),
                            outputShape: x.shape.dims, parameters: count(block), flops: flops))
                }
            }
            let steps = x.shape[2]
            rows.append(
                LayerSummary(
                    name: "pool", kind: "frequency \(config.frequencyPooling.rawValue)",
                    outputShape: [1, steps, x.shape[1]], parameters: 0, flops: 0))
            if let gru {
                var flops = 0
                for layer in 0..<gru.layers {
                    let input = layer == 0 ? gru.inputSize : 2 * gru.hiddenSize
                    flops += 2 * 2 * steps * 3 * gru.hiddenSize * (input + gru.hiddenSize)
                }
                rows.append(
                    LayerSummary(
                        name: "gru", kind: "GRU bidirectional x\(gru.layers)", outputShape: [1, steps, 2 * gru.hiddenSize],
                        parameters: count(gru), flops: flops))
            }
            rows.append(
                LayerSummary(
                    name: "head", kind: "attention (att, cla)", outputShape: [1, config.classes],
                    parameters: count(head), flops: 2 * 2 * steps * head.att.weight.count))
            return ModelSummary(layers: rows, frames: frames, mels: mels)
        }
    }
}
