// Softmax and log-softmax over a dimension, computed stably (max subtracted).
// x: [..] -> same shape. Match torch.softmax / torch.log_softmax.
import Foundation

extension Tensor {
    public func logSoftmax(axis: Int) throws -> Tensor {
        guard let a = shape.axis(axis) else { throw TensorError("log_softmax", "dimension \(axis) out of range for shape \(shape)") }
        let m = try GradMode.withoutGradients { try max(axes: [a], keepingDims: true) }
        let shifted = try self - m
        let lse = try shifted.exp().sum(axes: [a], keepingDims: true).log()
        return try shifted - lse
    }

    public func softmax(axis: Int) throws -> Tensor {
        try logSoftmax(axis: axis).exp()
    }
}
