// Tensor: a shape over device storage, float32, contiguous row-major. Views that only change
// the shape (reshape, squeeze) share storage; permutes, slices and broadcasts copy.
// Autograd: a tensor made by an op while gradients are enabled records a `GradNode`;
// `backward()` walks them in reverse. Gradients of parameters (leaves) accumulate (+=),
// gradients flowing between ops are assigned.
import Foundation

public final class Tensor: @unchecked Sendable, CustomStringConvertible {
    public let shape: Shape
    public let dtype: DType
    /// Replaced only by `move(to:)`, which moves a tensor (a model's parameter) in place.
    var storage: Storage
    /// Leaves with `requiresGrad` receive `.grad` from `backward()`.
    public var requiresGrad: Bool
    /// Accumulated gradient (leaves only), same shape as the tensor.
    public internal(set) var grad: Tensor?
    /// The op that produced this tensor, when it was produced with gradients enabled.
    var node: GradNode?

    public var device: Device { storage.device }
    /// The backend of the tensor's device; a device whose backend has gone (it was re-registered
    /// and cannot be opened again) stops the program with why, rather than running elsewhere.
    public var backend: Backend {
        do { return try Backends.backend(for: device) } catch { fatalError("Tensor on \(device): \(error)") }
    }
    public var count: Int { shape.count }
    public var rank: Int { shape.rank }

    init(storage: Storage, shape: Shape, dtype: DType = .float32, requiresGrad: Bool = false) {
        precondition(storage.count >= shape.count, "Tensor: storage of \(storage.count) for shape \(shape)")
        self.storage = storage
        self.shape = shape
        self.dtype = dtype
        self.requiresGrad = requiresGrad
    }

    /// A tensor holding `values` in row-major order.
    public convenience init(_ values: [Float], shape: Shape, device: Device = .cpu, requiresGrad: Bool = false) throws {
        guard values.count == shape.count else {
            throw TensorError("Tensor", "\(values.count) values do not fill shape \(shape) (\(shape.count) elements)")
        }
        let backend = try Backends.backend(for: device)
        let storage = backend.allocate(values.count)
        values.withUnsafeBufferPointer { backend.copy(from: $0, to: storage) }
        self.init(storage: storage, shape: shape, requiresGrad: requiresGrad)
    }

    /// A scalar (rank-0) tensor.
    public convenience init(scalar: Float, device: Device = .cpu) throws {
        try self.init([scalar], shape: [], device: device)
    }

    public static func zeros(_ shape: Shape, device: Device = .cpu, requiresGrad: Bool = false) throws -> Tensor {
        try full(shape, value: 0, device: device, requiresGrad: requiresGrad)
    }

    public static func ones(_ shape: Shape, device: Device = .cpu, requiresGrad: Bool = false) throws -> Tensor {
        try full(shape, value: 1, device: device, requiresGrad: requiresGrad)
    }

    public static func full(_ shape: Shape, value: Float, device: Device = .cpu, requiresGrad: Bool = false) throws -> Tensor {
        let backend = try Backends.backend(for: device)
        let s = backend.allocate(shape.count)
        backend.fill(s, with: value)
        return Tensor(storage: s, shape: shape, requiresGrad: requiresGrad)
    }

    /// Uninitialised storage of `shape` on `backend` (for op results).
    static func empty(_ shape: Shape, on backend: Backend) -> Tensor {
        Tensor(storage: backend.allocate(shape.count), shape: shape)
    }

    /// The elements in row-major order, copied to the host.
    public func toArray() -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buf, n in
            backend.copy(from: storage, to: UnsafeMutableBufferPointer(rebasing: buf[0..<count]))
            n = count
        }
    }

    /// The single element of a one-element tensor.
    public func item() throws -> Float {
        guard count == 1 else { throw TensorError("item", "tensor of shape \(shape) has \(count) elements, not 1") }
        return toArray()[0]
    }

    /// A new leaf with the same values and no history.
    public func detached() -> Tensor {
        Tensor(storage: storage, shape: shape, dtype: dtype)
    }

    /// Sets `.grad` to nil.
    public func zeroGrad() { grad = nil }

    public var description: String {
        let values = toArray()
        let shown = values.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(\(shape), \(device)\(requiresGrad ? ", requiresGrad" : ""): [\(shown)\(values.count > 8 ? ", ..." : "")])"
    }
}
