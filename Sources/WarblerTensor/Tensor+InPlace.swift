// In-place edits of a tensor's elements, for optimizer updates and for loading weights into
// existing parameters. They bypass autograd entirely (nothing is recorded, no graph sees the
// change), and every tensor sharing the storage (reshaped views, `detached()` copies) sees the
// new values, as with PyTorch's in-place ops under torch.no_grad(). Unlike PyTorch there is no
// version counter: editing a tensor that a recorded graph still needs (a parameter between
// forward and backward) silently changes the gradients computed from it.
import Foundation

extension Tensor {
    /// Edits the elements (row-major, `count` of them) in place. CPU tensors only.
    public func update(_ body: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        precondition(device == .cpu, "update: in-place edits need host storage; this tensor is on \(device)")
        try body(UnsafeMutableBufferPointer(start: storage.floats, count: count))
    }

    /// Multiplies the elements by `factor` in place, on the tensor's device.
    public func scale(by factor: Float) {
        backend.unary(.scale(factor), storage, into: storage)
    }

    /// Adds `value` to every element in place, on the tensor's device (a step counter).
    public func increment(by value: Float) {
        backend.unary(.addScalar(value), storage, into: storage)
    }

    /// Overwrites the elements with `other`'s, which must have the same shape and device (as
    /// Tensor.copy_). Runs on the device (the backend's gather), never through host memory.
    public func copy(from other: Tensor) throws {
        guard other.shape == shape, other.device == device else {
            throw TensorError("copy", "source of shape \(other.shape) on \(other.device) for a tensor of shape \(shape) on \(device)")
        }
        if other.storage === storage || count == 0 { return }
        backend.gather(other.storage, offset: 0, strides: shape.strides, shape: shape, into: storage)
    }

    /// A new leaf holding a copy of the elements (no shared storage, no history).
    public func copied() throws -> Tensor {
        let copy = Tensor.empty(shape, on: backend)
        try copy.copy(from: self)
        return copy
    }
}
