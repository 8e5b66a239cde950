// Moving tensors between devices: a copy onto another device (`on(_:)`), and moving a tensor in
// place (`move(to:)`), which keeps its identity, so a model's parameters can move to the GPU
// while optimizers and modules keep referring to the same Tensor objects.
import Foundation

extension Tensor {
    /// A copy of this tensor's values on `device` (self when already there), with no graph.
    public func on(_ device: Device) throws -> Tensor {
        if device == self.device { return self }
        let target = try Backends.backend(for: device)
        let values = toArray()
        let s = target.allocate(values.count)
        values.withUnsafeBufferPointer { target.copy(from: $0, to: s) }
        return Tensor(storage: s, shape: shape, dtype: dtype, requiresGrad: requiresGrad)
    }

    /// Moves the values to `device` in place; the gradient is dropped. A tensor with a graph
    /// (made by an op) cannot move: move leaves (parameters, buffers) only.
    public func move(to device: Device) throws {
        guard device != self.device else { return }
        guard node == nil else { throw TensorError("move", "only leaf tensors can move between devices (this one was made by \(node!.op))") }
        storage = try on(device).storage
        grad = nil
    }
}
