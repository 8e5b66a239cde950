// Sequential: layers applied in order, named "0", "1", ... as torch.nn.Sequential, so keys such
// as `conv1.0.weight` and `layer1.0.downsample.1.weight` come out as PyTorch writes them.
import WarblerTensor

public final class Sequential: Module, Layer {
    public private(set) var layers: [any Layer]

    public init(_ layers: [any Layer] = []) { self.layers = layers }

    public override var children: [(String, Module)] { layers.enumerated().map { (String($0.offset), $0.element) } }
    public var count: Int { layers.count }
    public subscript(index: Int) -> any Layer { layers[index] }

    public func append(_ layer: any Layer) { layers.append(layer) }

    /// x -> layers[n-1](...layers[0](x)). Matches torch.nn.Sequential.forward; a BatchNorm2d
    /// directly followed by a ReLU runs as one fused op (the same result).
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        var y = x
        var i = 0
        while i < layers.count {
            if let norm = layers[i] as? BatchNorm2d, i + 1 < layers.count, layers[i + 1] is ReLU {
                y = try norm(y, relu: true)
                i += 2
                continue
            }
            y = try layers[i](y)
            i += 1
        }
        return y
    }
}
