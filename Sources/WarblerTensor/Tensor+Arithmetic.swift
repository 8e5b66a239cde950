// Elementwise arithmetic with numpy/PyTorch broadcasting, and its gradients.
// a: [..] op b: [..] -> broadcast shape. Matches torch.add/sub/mul/div/maximum/minimum.
import Foundation

extension Tensor {
    func checkSameDevice(_ other: Tensor, _ op: String) throws {
        guard device == other.device else { throw TensorError(op, "operands are on \(device) and \(other.device)") }
    }

    /// Applies a binary primitive with broadcasting (no graph recorded).
    static func broadcasting(_ op: BinaryOp, _ name: String, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        try a.checkSameDevice(b, name)
        guard let shape = Shape.broadcast(a.shape, b.shape) else {
            throw TensorError(name, "shapes \(a.shape) and \(b.shape) cannot be broadcast together")
        }
        let out = Tensor.empty(shape, on: a.backend)
        if shape.count > 0 {
            // Scalars run as one-element vectors (the primitive walks a last dimension).
            let s = shape.rank == 0 ? Shape([1]) : shape
            let sa = (a.rank == 0 ? Shape([1]) : a.shape).broadcastStrides(to: s)
            let sb = (b.rank == 0 ? Shape([1]) : b.shape).broadcastStrides(to: s)
            a.backend.binary(op, a.storage, strides: sa, b.storage, strides: sb, shape: s, into: out.storage)
        }
        return out
    }

    /// Sums a broadcast gradient back down to `shape` (the adjoint of broadcasting).
    func summed(to target: Shape) throws -> Tensor {
        if shape == target { return self }
        let lead = rank - target.rank
        var axes: [Int] = Array(0..<lead)
        for i in 0..<target.rank where target.dims[i] == 1 && shape.dims[lead + i] != 1 { axes.append(lead + i) }
        let s = try sum(axes: axes, keepingDims: true)
        return try s.reshaped(target)
    }

    // The backward closures capture what they read: shapes, or an operand's values only when
    // the other operand's gradient needs them (see GradEdge in Autograd.swift).

    public static func + (a: Tensor, b: Tensor) throws -> Tensor {
        let (sa, sb) = (a.shape, b.shape)
        return try broadcasting(.add, "add", a, b).recording("add", [a, b]) { g in
            [try g.summed(to: sa), try g.summed(to: sb)]
        }
    }

    public static func - (a: Tensor, b: Tensor) throws -> Tensor {
        let (sa, sb) = (a.shape, b.shape)
        return try broadcasting(.sub, "sub", a, b).recording("sub", [a, b]) { g in
            [try g.summed(to: sa), try (-g).summed(to: sb)]
        }
    }

    public static func * (a: Tensor, b: Tensor) throws -> Tensor {
        let (sa, sb) = (a.shape, b.shape)
        let av = b.requiresGrad ? a.detached() : nil, bv = a.requiresGrad ? b.detached() : nil
        return try broadcasting(.mul, "mul", a, b).recording("mul", [a, b]) { g in
            [try bv.map { try (g * $0).summed(to: sa) }, try av.map { try (g * $0).summed(to: sb) }]
        }
    }

    public static func / (a: Tensor, b: Tensor) throws -> Tensor {
        let (sa, sb, needA, needB) = (a.shape, b.shape, a.requiresGrad, b.requiresGrad)
        let av = needB ? a.detached() : nil, bv = b.detached()
        return try broadcasting(.div, "div", a, b).recording("div", [a, b]) { g in
            [
                needA ? try (g / bv).summed(to: sa) : nil,
                try av.map { try (-(g * $0) / (bv * bv)).summed(to: sb) },
            ]
        }
    }

    /// Elementwise maximum; the gradient goes to `a` where a >= b (torch gives ties half each;
    /// here the whole gradient goes to `a`).
    public func maximum(_ other: Tensor) throws -> Tensor {
        let a = self.detached(), b = other
        let (sa, sb) = (a.shape, b.shape)
        let out = try Tensor.broadcasting(.maximum, "maximum", a, b)
        let saved = out.detached()  // not `out`: its node would hold itself (a cycle, never freed)
        return out.recording("maximum", [self, b]) { g in
            let takeA = try Tensor.broadcasting(.equalMask, "maximum", saved, a)
            let takeB = try Tensor.broadcasting(.sub, "maximum", try Tensor.ones([], device: g.device), takeA)
            return [try (g * takeA).summed(to: sa), try (g * takeB).summed(to: sb)]
        }
    }

    public static prefix func - (a: Tensor) -> Tensor {
        a.mapped(.neg).recording("neg", [a]) { g in [-g] }
    }

    public static func + (a: Tensor, s: Float) -> Tensor { a.mapped(.addScalar(s)).recording("add", [a]) { g in [g] } }
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
    public static func * (a: Tensor, s: Float) -> Tensor {
        a.mapped(.scale(s)).recording("mul", [a]) { g in [g * s] }
    }
    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    /// s - a
    public static func - (s: Float, a: Tensor) -> Tensor { (-a) + s }

    /// Applies a unary primitive (no graph recorded).
    func mapped(_ op: UnaryOp) -> Tensor {
        let out = Tensor.empty(shape, on: backend)
        backend.unary(op, storage, into: out.storage)
        return out
    }
}
