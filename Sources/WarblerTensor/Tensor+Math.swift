// Elementwise functions and activations with their gradients.
// x: any shape -> same shape. Match torch.exp/log/sqrt/abs/relu/sigmoid/tanh/clamp/pow.
// A gradient that needs the op's own output captures `y.detached()` (the same storage, no
// node): capturing `y` itself would make y -> node -> closure -> y a cycle, and every graph
// with such an op would never be freed.
import Foundation

extension Tensor {
    public func exp() -> Tensor {
        let y = mapped(.exp), saved = y.detached()
        return y.recording("exp", [self]) { g in [try g * saved] }
    }

    public func log() -> Tensor {
        mapped(.log).recording("log", [self]) { [self] g in [try g / self] }
    }

    public func sqrt() -> Tensor {
        let y = mapped(.sqrt), saved = y.detached()
        return y.recording("sqrt", [self]) { g in [try g / (saved * 2)] }
    }

    /// d|x|/dx = sign(x), 0 at 0 (as torch).
    public func abs() -> Tensor {
        mapped(.abs).recording("abs", [self]) { [self] g in
            [try g * (self.mapped(.positiveMask) - (-self).mapped(.positiveMask))]
        }
    }

    public func square() -> Tensor {
        mapped(.square).recording("square", [self]) { [self] g in [try g * self * 2] }
    }

    public func pow(_ p: Float) -> Tensor {
        mapped(.pow(p)).recording("pow", [self]) { [self] g in [try g * self.mapped(.pow(p - 1)) * p] }
    }

    /// max(x, 0); the gradient at 0 is 0, as torch.
    /// The gradient is read from the output (y > 0), so the closure keeps y, which the next op
    /// usually keeps anyway, rather than x.
    public func relu() -> Tensor {
        let y = mapped(.relu), saved = y.detached()
        return y.recording("relu", [self]) { g in [Tensor.reluGradient(g, output: saved)] }
    }

    /// max(self + other, 0) for two tensors of one shape, in one pass (a residual block's
    /// `(out + shortcut).relu()`); other shapes broadcast through the unfused ops. Equal to
    /// `(self + other).relu()`, without keeping the sum for the backward.
    public func addingReLU(_ other: Tensor) throws -> Tensor {
        guard shape == other.shape else { return try (self + other).relu() }
        try checkSameDevice(other, "add_relu")
        let y = Tensor.empty(shape, on: backend)
        if count > 0 { backend.addReLU(storage, other.storage, count: count, into: y.storage) }
        let saved = y.detached()
        return y.recording("add_relu", [self, other]) { g in
            let gx = Tensor.reluGradient(g, output: saved)
            return [gx, gx]
        }
    }

    /// g where the ReLU's output is positive, else 0.
    static func reluGradient(_ g: Tensor, output y: Tensor) -> Tensor {
        let out = Tensor.empty(g.shape, on: g.backend)
        if g.count > 0 { g.backend.reluBackward(g.storage, y.storage, into: out.storage) }
        return out
    }

    public func sigmoid() -> Tensor {
        let y = mapped(.sigmoid), saved = y.detached()
        return y.recording("sigmoid", [self]) { g in [try g * saved * (1 - saved)] }
    }

    public func tanh() -> Tensor {
        let y = mapped(.tanh), saved = y.detached()
        return y.recording("tanh", [self]) { g in [try g * (1 - saved.square())] }
    }

    /// min(max(x, lo), hi). The gradient passes where lo <= x <= hi, as torch.clamp.
    public func clamped(min lo: Float? = nil, max hi: Float? = nil) -> Tensor {
        mapped(.clamp(lo, hi)).recording("clamp", [self]) { [self] g in
            var pass = try Tensor.ones(self.shape, device: self.device)
            if let lo { pass = try pass * (self + (-lo)).mapped(.positiveMask).maximumMask(equalTo: self, lo) }
            if let hi { pass = try pass * (hi - self).mapped(.positiveMask).maximumMask(equalTo: self, hi) }
            return [try g * pass]
        }
    }

    /// `mask` with 1 added where x == bound (so the bound itself passes gradient).
    private func maximumMask(equalTo x: Tensor, _ bound: Float) throws -> Tensor {
        let atBound = try Tensor.broadcasting(.equalMask, "clamp", x, try Tensor.full([], value: bound, device: x.device))
        return try Tensor.broadcasting(.maximum, "clamp", self, atBound)
    }
}
