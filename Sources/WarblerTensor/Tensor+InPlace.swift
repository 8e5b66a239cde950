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

    /// Overwrites the elements with `other`'s, which must have the same shape (as Tensor.copy_).
    public func copy(from other: Tensor) throws {
        guard other.shape == shape else {
            throw TensorError("copy", "source of shape \(other.shape) for a tensor of shape \(shape)")
        }
        if other.storage === storage { return }
        let values = other.toArray()
        values.withUnsafeBufferPointer { backend.copy(from: $0, to: storage) }
    }
}
