// The backend protocol: memory plus the primitives every op is built from. Kept small;
// ReferenceBackend is the plain version every backend (the tuned CPU one, CUDA) is tested
// against. All primitives work on contiguous row-major float32 storage; `Tensor` handles shapes,
// dtypes and autograd.
public enum UnaryOp: Sendable, Equatable {
    case neg, exp, log, sqrt, abs, relu, sigmoid, tanh, square
    /// x * a
    case scale(Float)
    /// x + a
    case addScalar(Float)
    /// min(max(x, lo), hi), either bound optional (NaN propagates, as torch.clamp).
    case clamp(Float?, Float?)
    /// x ^ p
    case pow(Float)
    /// 1 where x > 0, else 0 (ReLU's derivative mask).
    case positiveMask
}

public enum BinaryOp: Sendable, Equatable {
    case add, sub, mul, div, maximum, minimum
    /// a == b ? 1 : 0
    case equalMask
}

public enum ReduceOp: Sendable, Equatable {
    case sum, max
}

public protocol Backend: AnyObject, Sendable {
    var device: Device { get }
    /// Uninitialised storage for `count` float32 elements.
    func allocate(_ count: Int) -> Storage
    func copy(from host: UnsafeBufferPointer<Float>, to storage: Storage)
    func copy(from storage: Storage, to host: UnsafeMutableBufferPointer<Float>)
    func fill(_ storage: Storage, with value: Float)

    func unary(_ op: UnaryOp, _ x: Storage, into out: Storage)
    /// out[i] = a[...] op b[...] over `shape`, reading a and b through broadcast strides.
    func binary(
        _ op: BinaryOp, _ a: Storage, strides aStrides: [Int], _ b: Storage, strides bStrides: [Int],
        shape: Shape, into out: Storage)
    /// Reduces `x` of `shape` over `axes` into `out` (shape with those axes set to 1). For
    /// `.max`, `indices` (if given) receives the flat input index of each maximum (first wins).
    func reduce(_ op: ReduceOp, _ x: Storage, shape: Shape, axes: Set<Int>, into out: Storage, indices: UnsafeMutablePointer<Int>?)
    /// Gathers `x` of `shape` read through `strides` (any permutation/broadcast) into
    /// contiguous `out`.
    func gather(_ x: Storage, offset: Int, strides: [Int], shape: Shape, into out: Storage)
    /// out[outOffset + (read through outStrides)] += x: the adjoint of `gather`.
    func scatterAdd(_ x: Storage, shape: Shape, into out: Storage, offset: Int, strides: [Int])
    /// C[b] = alpha * op(A[b]) op(B[b]) + beta * C[b] for `batch` matrices; a zero batch
    /// stride reuses one matrix for every batch.
    func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: Storage, aOffset: Int, aBatchStride: Int, b: Storage, bOffset: Int, bBatchStride: Int,
        beta: Float, c: Storage, cOffset: Int, cBatchStride: Int, batch: Int)

    // MARK: Convolution, pooling and batch-norm primitives (added with conv2d, the pools and batchNorm)
    // `planes` counts [H, W] planes stored back to back (N * C); `window` gives H, W, the kernel,
    // stride, padding, dilation and the output size H' x W'. Results are assigned, not
    // accumulated, unless a parameter says otherwise.

    /// Unfolds `images` images of `channels` planes each, read from `x` at `offset`, into
    /// columns [images, channels * kH * kW, H' * W']: row (c * kH + i) * kW + j holds tap (i, j)
    /// of channel c at every window position; taps that fall in the padding read 0.
    func im2col(_ x: Storage, offset: Int, images: Int, channels: Int, window: Window2d, into cols: Storage)
    /// The adjoint of `im2col`: adds every column entry back onto the input element it was read
    /// from, writing [images, channels, H, W] to `x` at `offset` (assigned).
    func col2im(_ cols: Storage, images: Int, channels: Int, window: Window2d, into x: Storage, offset: Int)
    /// The maximum of each window of each plane; padding never wins; a NaN does (torch max_pool2d).
    func maxPool2d(_ x: Storage, planes: Int, window: Window2d, into out: Storage)
    /// Gradient of `maxPool2d`: each window's gradient goes to its first maximum, found again from `x`.
    func maxPool2dBackward(_ gradOutput: Storage, _ x: Storage, planes: Int, window: Window2d, into gradInput: Storage)
    /// The mean of each window, divided as torch avg_pool2d does: by the window clipped to the
    /// padded input (`countIncludePad`) or to the input itself; 0 for a window wholly outside.
    func avgPool2d(_ x: Storage, planes: Int, window: Window2d, countIncludePad: Bool, into out: Storage)
    /// Gradient of `avgPool2d`: each window's gradient shared out with the forward's divisor.
    func avgPool2dBackward(_ gradOutput: Storage, planes: Int, window: Window2d, countIncludePad: Bool, into gradInput: Storage)
    /// Per-channel mean and biased variance of x [outer, channels, inner] over outer and inner.
    func channelMoments(_ x: Storage, outer: Int, channels: Int, inner: Int, mean: Storage, variance: Storage)
    /// out[o, c, i] = (x[o, c, i] - center[c]) * scale[c] + shift[c] (a nil center or shift is 0),
    /// added to `out` when `accumulate`.
    func channelAffine(
        _ x: Storage, outer: Int, channels: Int, inner: Int, center: Storage?, scale: Storage,
        shift: Storage?, accumulate: Bool, into out: Storage)
    /// sum[c] = sum of g[o, c, i] and dot[c] = sum of g[o, c, i] * (x[o, c, i] - center[c]) over o and i.
    func channelGradientSums(
        _ g: Storage, _ x: Storage, center: Storage, outer: Int, channels: Int, inner: Int,
        sum: Storage, dot: Storage)

    // MARK: Convolution primitives (added with the oneDNN convolution)
    // Whole 2-D convolutions (cross-correlation, as torch.nn.functional.conv2d) over contiguous
    // NCHW storage: x [N, C, H, W], weight [O, C/groups, kH, kW], bias [O], y [N, O, H', W'],
    // with the shapes, stride, zero padding, dilation and groups in `geometry`. Every result is
    // assigned. `im2colConv2dForward` and its siblings (Conv2dIm2col.swift) implement them on
    // any backend; the CPU backend uses oneDNN where that is faster (CPUBackend+Convolution.swift).

    /// y = conv2d(x, weight) + bias (bias optional).
    func conv2dForward(_ x: Storage, weight: Storage, bias: Storage?, geometry: Conv2dGeometry, into out: Storage)
    /// The input gradient: gradOutput [N, O, H', W'] -> gradInput [N, C, H, W].
    func conv2dBackwardData(_ gradOutput: Storage, weight: Storage, geometry: Conv2dGeometry, into gradInput: Storage)
    /// The parameter gradients from gradOutput [N, O, H', W'] and x [N, C, H, W]: gradWeight
    /// [O, C/groups, kH, kW] and gradBias [O] (the sum of gradOutput over N, H', W'); a nil
    /// output is not computed.
    func conv2dBackwardWeights(
        _ gradOutput: Storage, _ x: Storage, geometry: Conv2dGeometry,
        into gradWeight: Storage?, gradBias: Storage?)

    // MARK: Fused primitives (added for speed and memory; Backend+Fused.swift gives every
    // backend a default built from the primitives above, which a backend may replace)

    /// out[i] = y[i] > 0 ? g[i] : 0: the gradient through a ReLU from its output y (a NaN in y
    /// passes no gradient, as the mask `positiveMask` gives).
    func reluBackward(_ g: Storage, _ y: Storage, into out: Storage)
    /// out[i] = relu(a[i] + b[i]) over `count` elements of same-shape contiguous a and b.
    func addReLU(_ a: Storage, _ b: Storage, count: Int, into out: Storage)
    /// `channelAffine` (assigned) followed by a ReLU in the same pass.
    func channelAffineReLU(
        _ x: Storage, outer: Int, channels: Int, inner: Int, center: Storage?, scale: Storage,
        shift: Storage?, into out: Storage)
    /// `channelGradientSums` of g' = g where reluOutput > 0, else 0 (the gradient through a ReLU
    /// that followed the batch norm); plain g when reluOutput is nil.
    func channelGradientSums(
        _ g: Storage, _ x: Storage, center: Storage, reluOutput: Storage?, outer: Int, channels: Int,
        inner: Int, sum: Storage, dot: Storage)
    /// Batch norm's input gradient in one pass: dx[o, c, i] = g'[o, c, i] * scale[c] + shift[c]
    /// + (x[o, c, i] - center[c]) * slope[c], with g' as in `channelGradientSums(reluOutput:)` and
    /// a nil shift or slope taken as 0 (assigned).
    func batchNormInputGradient(
        _ g: Storage, _ x: Storage, reluOutput: Storage?, center: Storage, scale: Storage,
        shift: Storage?, slope: Storage?, outer: Int, channels: Int, inner: Int, into dx: Storage)

    // MARK: GRU primitives (added with Tensor.gruSequence)
    // One direction of one GRU layer over a whole sequence (`layout`: T steps, B sequences, H
    // hidden units, walked backwards in time when reversed), with torch.nn.GRU's equations and
    // gate order (r, z, n). `gi` [T, B, 3H] holds the input projections W_ih x + b_ih of every
    // step, computed beforehand as one GEMM; weightHH is [3H, H], biasHH [3H] (nil: none) and
    // the initial state [B, H]. Outputs [T, B, H] are in time order in both directions.
    // `workspace` [T, B, 4H] keeps each step's r, z, n and W_hn h + b_hn for the backward.
    // Results are assigned.

    /// outputs[t] = h_t for every step; fills `workspace` when given (nil when no gradient is needed).
    func gruForward(
        _ gi: Storage, weightHH: Storage, biasHH: Storage?, initialHidden: Storage, layout: GRULayout,
        outputs: Storage, workspace: Storage?)
    /// From gradOutputs = dL/d outputs [T, B, H] and the forward's outputs and workspace:
    /// dL/d gi [T, B, 3H], dL/d W_hh [3H, H], dL/d b_hh [3H] and dL/d h0 [B, H]. A nil
    /// output is not computed. A gradient of the final state is part of gradOutputs' last step.
    func gruBackward(
        _ gradOutputs: Storage, weightHH: Storage, initialHidden: Storage, outputs: Storage,
        workspace: Storage, layout: GRULayout, gradInputProjections: Storage,
        gradWeightHH: Storage?, gradBiasHH: Storage?, gradInitialHidden: Storage)

    // MARK: Optimizer primitives (Backend+Optimizer.swift gives every backend a default built
    // from the elementwise primitives, which a backend may replace)

    /// One Adam/AdamW update of `count` elements in place: `parameter`, `expAvg` (m) and
    /// `expAvgSq` (v) from `gradient`, with torch.optim.Adam's single-tensor arithmetic.
    func adamStep(_ parameter: Storage, gradient: Storage, expAvg: Storage, expAvgSq: Storage, count: Int, _ step: AdamStep)
    /// `start` plus the sum of the squares of `count` elements of `x` (gradient clipping's norm).
    func sumOfSquares(_ x: Storage, count: Int, adding start: Double) -> Double
}

/// The backend for a device.
public enum Backends {
    public static let cpu = CPUBackend()

    /// The backend that runs `.cpu` tensors in the current task when not the tuned CPU backend
    /// (`withHostBackend`).
    @TaskLocal static var hostOverride: Backend?

    public static func backend(for device: Device) throws -> Backend {
        switch device {
        case .cpu: return hostOverride ?? cpu
        case .cuda: return try registry.backend(for: device)
        }
    }

    /// Runs `body` with every `.cpu` tensor op of this task on `backend`, a host-memory backend
    /// such as `ReferenceBackend` (tests compare whole models on it with the tuned CPU backend).
    /// Tensors made inside must not be used outside.
    public static func withHostBackend<R>(_ backend: Backend, _ body: () throws -> R) rethrows -> R {
        precondition(backend.device == .cpu, "withHostBackend: \(backend.device) is not host memory")
        return try $hostOverride.withValue(backend) { try body() }
    }
}
