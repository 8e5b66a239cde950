// The backend protocol: memory plus the primitives every op is built from. Kept small; the CPU
// backend is the reference that faster backends (CUDA) are tested against. All primitives work
// on contiguous row-major float32 storage; `Tensor` handles shapes, dtypes and autograd.
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
    func binary(_ op: BinaryOp, _ a: Storage, strides aStrides: [Int], _ b: Storage, strides bStrides: [Int],
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
    func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
              a: Storage, aOffset: Int, aBatchStride: Int, b: Storage, bOffset: Int, bBatchStride: Int,
              beta: Float, c: Storage, cOffset: Int, cBatchStride: Int, batch: Int)
}

/// The backend for a device.
public enum Backends {
    public static let cpu = CPUBackend()

    public static func backend(for device: Device) throws -> Backend {
        switch device {
        case .cpu: return cpu
        case .cuda: throw TensorError("device", "\(device) is not available: this build has no CUDA backend loaded.")
        }
    }
}
