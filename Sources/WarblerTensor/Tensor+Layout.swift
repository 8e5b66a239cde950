// Shape operations: reshape/squeeze/unsqueeze share storage; permute, slice, concatenate and
// expand copy. Each has its gradient.
import Foundation

extension Tensor {
    /// Same elements, new shape. Shares storage.
    public func reshaped(_ newShape: Shape) throws -> Tensor { try reshaped(newShape.dims) }

    /// Same elements, new dimensions (one -1 is inferred). Shares storage.
    public func reshaped(_ newDims: [Int]) throws -> Tensor {
        var dims = newDims
        let newShape = "[" + newDims.map(String.init).joined(separator: ", ") + "]"
        if let i = dims.firstIndex(of: -1) {
            let known = dims.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            guard known > 0, count % known == 0 else { throw TensorError("reshape", "cannot infer -1 reshaping \(shape) to \(newShape)") }
            dims[i] = count / known
        }
        guard dims.allSatisfy({ $0 >= 0 }) else { throw TensorError("reshape", "negative dimension in \(newShape)") }
        let target = Shape(dims)
        guard target.count == count else {
            throw TensorError("reshape", "cannot reshape \(shape) (\(count) elements) to \(target) (\(target.count) elements)")
        }
        let inputShape = shape
        return Tensor(storage: storage, shape: target).recording("reshape", [self]) { g in [try g.reshaped(inputShape)] }
    }

    public func reshaped(_ dims: Int...) throws -> Tensor { try reshaped(dims) }

    /// Inserts a dimension of size 1 at `axis` (0...rank).
    public func unsqueezed(_ axis: Int) throws -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        guard a >= 0 && a <= rank else { throw TensorError("unsqueeze", "dimension \(axis) out of range for shape \(shape)") }
        var d = shape.dims
        d.insert(1, at: a)
        return try reshaped(Shape(d))
    }

    /// Removes dimension `axis`, which must have size 1.
    public func squeezed(_ axis: Int) throws -> Tensor {
        guard let a = shape.axis(axis), shape.dims[a] == 1 else {
            throw TensorError("squeeze", "dimension \(axis) of shape \(shape) is not of size 1")
        }
        var d = shape.dims
        d.remove(at: a)
        return try reshaped(Shape(d))
    }

    /// Reorders dimensions: result dimension i is input dimension `order[i]`.
    public func permuted(_ order: [Int]) throws -> Tensor {
        guard order.count == rank, Set(order) == Set(0..<rank) else {
            throw TensorError("permute", "\(order) is not a permutation of the \(rank) dimensions of \(shape)")
        }
        let src = shape.strides
        let outShape = Shape(order.map { shape.dims[$0] })
        let out = Tensor.empty(outShape, on: backend)
        backend.gather(storage, offset: 0, strides: order.map { src[$0] }, shape: outShape, into: out.storage)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return out.recording("permute", [self]) { g in [try g.permuted(inverse)] }
    }

    /// Swaps two dimensions.
    public func transposed(_ a: Int = -2, _ b: Int = -1) throws -> Tensor {
        guard let x = shape.axis(a), let y = shape.axis(b) else {
            throw TensorError("transpose", "dimensions \(a), \(b) out of range for shape \(shape)")
        }
        var order = Array(0..<rank)
        order.swapAt(x, y)
        return try permuted(order)
    }

    /// Elements `range` along `axis`.
    public func sliced(_ axis: Int, _ range: Range<Int>) throws -> Tensor {
        guard let a = shape.axis(axis) else { throw TensorError("slice", "dimension \(axis) out of range for shape \(shape)") }
        guard range.lowerBound >= 0, range.upperBound <= shape.dims[a] else {
            throw TensorError("slice", "\(range) is outside dimension \(a) of size \(shape.dims[a]) in \(shape)")
        }
        var outDims = shape.dims
        outDims[a] = range.count
        let outShape = Shape(outDims)
        let strides = shape.strides
        let out = Tensor.empty(outShape, on: backend)
        backend.gather(storage, offset: range.lowerBound * strides[a], strides: strides, shape: outShape, into: out.storage)
        let inputShape = shape
        return out.recording("slice", [self]) { g in
            let full = try Tensor.zeros(inputShape, device: g.device)
            g.backend.scatterAdd(g.storage, shape: outShape, into: full.storage, offset: range.lowerBound * strides[a], strides: strides)
            return [full]
        }
    }

    /// Concatenates tensors along `axis`; all other dimensions must agree.
    public static func concatenated(_ tensors: [Tensor], axis: Int) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError("concatenate", "no tensors given") }
        guard let a = first.shape.axis(axis) else { throw TensorError("concatenate", "dimension \(axis) out of range for shape \(first.shape)") }
        for t in tensors {
            try first.checkSameDevice(t, "concatenate")
            var x = t.shape.dims, y = first.shape.dims
            guard x.count == y.count else { throw TensorError("concatenate", "shapes \(first.shape) and \(t.shape) differ in rank") }
            x[a] = 0; y[a] = 0
            guard x == y else { throw TensorError("concatenate", "shapes \(first.shape) and \(t.shape) differ outside dimension \(a)") }
        }
        var outDims = first.shape.dims
        outDims[a] = tensors.reduce(0) { $0 + $1.shape.dims[a] }
        let outShape = Shape(outDims)
        let out = Tensor.empty(outShape, on: first.backend)
        out.backend.fill(out.storage, with: 0)
        let outStrides = outShape.strides
        var starts: [Int] = []
        var offset = 0
        for t in tensors {
            starts.append(offset)
            out.backend.scatterAdd(t.storage, shape: t.shape, into: out.storage, offset: offset * outStrides[a], strides: outStrides)
            offset += t.shape.dims[a]
        }
        let sizes = tensors.map { $0.shape.dims[a] }
        return out.recording("concatenate", tensors) { g in
            try zip(sizes, starts).map { size, s in try g.sliced(a, s..<s + size) }
        }
    }

    /// Broadcasts to `target` (size-1 dimensions repeat; leading dimensions may be added).
    public func expanded(to target: Shape) throws -> Tensor {
        guard Shape.broadcast(shape, target) == target else {
            throw TensorError("expand", "shape \(shape) cannot be expanded to \(target)")
        }
        if target == shape { return self }
        let out = Tensor.empty(target, on: backend)
        if target.count > 0 {
            backend.gather(storage, offset: 0, strides: shape.broadcastStrides(to: target), shape: target, into: out.storage)
        }
        let inputShape = shape
        return out.recording("expand", [self]) { g in [try g.summed(to: inputShape)] }
    }

    /// Repeats each element `times` times along `axis` (torch.repeat_interleave): how the SED
    /// head brings framewise scores back to the input frame rate.
    public func repeatedInterleave(_ times: Int, axis: Int) throws -> Tensor {
        guard let a = shape.axis(axis), times >= 1 else {
            throw TensorError("repeat_interleave", "bad axis \(axis) or count \(times) for shape \(shape)")
        }
        var d = shape.dims
        d.insert(1, at: a + 1)
        var e = d
        e[a + 1] = times
        var outDims = shape.dims
        outDims[a] *= times
        return try reshaped(Shape(d)).expanded(to: Shape(e)).reshaped(Shape(outDims))
    }
}
