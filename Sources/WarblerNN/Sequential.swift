// Sequential: layers applied in order, named "0", "1", ... as torch.nn.Sequential, so keys such
// as `conv1.0.weight` and `layer1.0.downsample.1.weight` come out as PyTorch writes them.
import WarblerTensor

public final class Sequential: Layer {
    public private(set) var layers: [any Layer]
    public var isTraining = true

    public init(_ layers: [any Layer] = []) { self.layers = layers }

    public var ownParameters: [(String, Tensor)] { [] }
    public var children: [(String, any Module)] { layers.enumerated().map { (String($0.offset), $0.element) } }
    public var count: Int { layers.count }
    public subscript(index: Int) -> any Layer { layers[index] }

    public func append(_ layer: any Layer) { layers.append(layer) }

    /// x -> layers[n-1](...layers[0](x)). Matches torch.nn.Sequential.forward.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        var y = x
        for layer in layers { y = try layer(y) }
        return y
    }
}
