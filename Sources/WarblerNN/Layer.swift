// Layer: a module with a single-tensor forward pass, `y = layer(x)`, so layers can be chained
// in a `Sequential`. Also the parameterless layers PyTorch models name in their module trees:
// Identity (torch.nn.Identity, a placeholder that keeps later indices stable) and ReLU.
import WarblerTensor

public protocol Layer: Module {
    /// The layer's forward pass.
    func callAsFunction(_ x: Tensor) throws -> Tensor
}

/// Returns its input (torch.nn.Identity). No parameters; it still takes its index in a
/// `Sequential`, as in timm's `downsample = Sequential(Identity, Conv2d, BatchNorm2d)`.
public final class Identity: Module, Layer {
    public override init() {}
    /// x: any shape -> x.
    public func callAsFunction(_ x: Tensor) throws -> Tensor { x }
}

/// max(x, 0) elementwise (torch.nn.ReLU). No parameters.
public final class ReLU: Module, Layer {
    public override init() {}
    /// x: any shape -> same shape. Matches torch.relu (gradient 0 at x = 0).
    public func callAsFunction(_ x: Tensor) throws -> Tensor { x.relu() }
}

extension Dropout: Layer {}
