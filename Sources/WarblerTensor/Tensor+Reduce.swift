// Reductions over dimensions with their gradients.
// x: [..] -> the reduced axes removed (or kept as 1). Match torch.sum/mean/amax-style max.
import Foundation

extension Tensor {
    func resolvedAxes(_ axes: [Int], _ op: String) throws -> [Int] {
        let resolved = try axes.map { a -> Int in
            guard let r = shape.axis(a) else { throw TensorError(op, "dimension \(a) is out of range for shape \(shape)") }
            return r
        }
        guard Set(resolved).count == resolved.count else { throw TensorError(op, "dimension repeated in \(axes)") }
        return resolved
    }

    static func reducedShape(_ shape: Shape, _ axes: [Int], keepingDims: Bool) -> Shape {
        if keepingDims { return Shape(shape.dims.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }) }
        return Shape(shape.dims.enumerated().filter { !axes.contains($0.offset) }.map(\.element))
    }

    /// Sum over `axes` (all when empty).
    public func sum(axes: [Int] = [], keepingDims: Bool = false) throws -> Tensor {
        let ax = axes.isEmpty ? Array(0..<rank) : try resolvedAxes(axes, "sum")
        let kept = Tensor.reducedShape(shape, ax, keepingDims: true)
        let out = Tensor.empty(kept, on: backend)
        backend.reduce(.sum, storage, shape: shape, axes: Set(ax), into: out.storage, indices: nil)
        let result = try out.reshaped(Tensor.reducedShape(shape, ax, keepingDims: keepingDims))
        let inputShape = shape
        return result.recording("sum", [self]) { g in
            [try g.reshaped(kept).expanded(to: inputShape)]
        }
    }

    /// Mean over `axes` (all when empty).
    public func mean(axes: [Int] = [], keepingDims: Bool = false) throws -> Tensor {
        let ax = axes.isEmpty ? Array(0..<rank) : try resolvedAxes(axes, "mean")
        let n = ax.reduce(1) { $0 * shape.dims[$1] }
        return try sum(axes: ax, keepingDims: keepingDims) * (1 / Float(Swift.max(n, 1)))
    }

    /// Maximum over `axes`; the gradient goes to the first maximal element of each group
    /// (as torch.max(dim) does through its indices).
    public func max(axes: [Int] = [], keepingDims: Bool = false) throws -> Tensor {
        let ax = axes.isEmpty ? Array(0..<rank) : try resolvedAxes(axes, "max")
        guard count > 0 else { throw TensorError("max", "cannot reduce an empty tensor of shape \(shape)") }
        let kept = Tensor.reducedShape(shape, ax, keepingDims: true)
        let out = Tensor.empty(kept, on: backend)
        var indices = [Int](repeating: 0, count: kept.count)
        indices.withUnsafeMutableBufferPointer {
            backend.reduce(.max, storage, shape: shape, axes: Set(ax), into: out.storage, indices: $0.baseAddress)
        }
        let result = try out.reshaped(Tensor.reducedShape(shape, ax, keepingDims: keepingDims))
        let inputShape = shape
        return result.recording("max", [self]) { g in
            var grad = [Float](repeating: 0, count: inputShape.count)
            let gv = g.toArray()
            for (o, i) in indices.enumerated() { grad[i] += gv[o] }
            return [try Tensor(grad, shape: inputShape, device: g.device)]
        }
    }
}
