// In-place updates for optimizers and gradient clipping: each one backend call on the tensor's
// own device (Backend+Optimizer.swift), so optimizers never branch on where a parameter lives.
import Foundation

extension Tensor {
    /// One Adam/AdamW step of this parameter in place (`Backend.adamStep`), from `gradient`,
    /// updating the moments `expAvg` and `expAvgSq` in place; all of this tensor's shape and device.
    public func adamStep(gradient: Tensor, expAvg: Tensor, expAvgSq: Tensor, _ step: AdamStep) throws {
        for (name, t) in [("gradient", gradient), ("exp_avg", expAvg), ("exp_avg_sq", expAvgSq)] {
            guard t.shape == shape, t.device == device else {
                throw TensorError("adamStep", "\(name) of shape \(t.shape) on \(t.device) for a parameter of shape \(shape) on \(device)")
            }
        }
        backend.adamStep(storage, gradient: gradient.storage, expAvg: expAvg.storage, expAvgSq: expAvgSq.storage, count: count, step)
    }

    /// `start` plus the sum of the squares of the elements (`Backend.sumOfSquares`).
    public func sumOfSquares(adding start: Double = 0) -> Double {
        backend.sumOfSquares(storage, count: count, adding: start)
    }

    /// The same for tensors that share one storage (a detached copy, or a gradient handed to
    /// two parameters), so in-place updates can be made once per buffer.
    public var storageIdentity: ObjectIdentifier { ObjectIdentifier(storage) }
}
