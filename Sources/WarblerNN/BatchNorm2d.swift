// BatchNorm2d as torch.nn.BatchNorm2d (affine, tracking running statistics). Keys: weight [C],
// bias [C] (parameters); running_mean [C], running_var [C], num_batches_tracked [] (buffers).
//
// num_batches_tracked is an int64 scalar in PyTorch. Here it is a float32 scalar buffer (exact
// up to 2^24 training steps), counted up once per training forward pass as PyTorch does; it is
// read from an I64 safetensors entry by value (SafeTensorsDType), written back as F32 (PyTorch's
// load_state_dict converts it with copy_), and with the fixed `momentum` it never affects the
// result. A state dict without it still loads (see Module+StateDict.swift), as PyTorch accepts
// checkpoints older than the buffer.
import WarblerTensor

public final class BatchNorm2d: Module, Layer {
    public let weight: Tensor
    public let bias: Tensor
    @Buffer public private(set) var runningMean: Tensor
    @Buffer public private(set) var runningVar: Tensor
    @Buffer public private(set) var numBatchesTracked: Tensor
    public let eps: Float
    public let momentum: Float
    /// True once folded into the preceding convolution (BatchNorm2d+Folding.swift): the layer
    /// then passes its input through, in evaluation mode only.
    public internal(set) var isFolded = false

    public var channels: Int { weight.shape[0] }

    /// PyTorch's initial state: weight 1, bias 0, running mean 0, running variance 1.
    public init(channels: Int, eps: Float = 1e-5, momentum: Float = 0.1) throws {
        guard channels > 0 else { throw TensorError("BatchNorm2d", "channel count \(channels) must be positive") }
        weight = try Tensor.ones([channels], requiresGrad: true)
        bias = try Tensor.zeros([channels], requiresGrad: true)
        runningMean = try Tensor.zeros([channels])
        runningVar = try Tensor.ones([channels])
        numBatchesTracked = try Tensor.zeros([])
        self.eps = eps
        self.momentum = momentum
    }

    /// x: [N, C, H, W] -> same shape. Matches torch.nn.BatchNorm2d.forward: batch statistics
    /// (and running-statistic updates) in training mode, running statistics in eval mode.
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try callAsFunction(x, relu: false) }

    /// `relu`: max(., 0) fused into the same op, equal to `.relu()` on the result (the graph
    /// keeps one tensor fewer, and the backward makes one pass fewer).
    public func callAsFunction(_ x: Tensor, relu: Bool) throws -> Tensor {
        guard x.rank == 4 else { throw TensorError("BatchNorm2d", "needs input [N, C, H, W], got \(x.shape)") }
        if isFolded {
            guard !isTraining else {
                throw TensorError("BatchNorm2d", "this layer was folded into its convolution for inference and cannot train; reload the unfolded model")
            }
            return relu ? x.relu() : x
        }
        if isTraining { numBatchesTracked.increment(by: 1) }
        return try x.batchNorm(
            runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias,
            training: isTraining, momentum: momentum, eps: eps, relu: relu)
    }
}
