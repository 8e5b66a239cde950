// The optimizer primitives (Backend.swift): one Adam/AdamW update and a sum of squares (gradient
// clipping), so optimizers make one backend call per parameter whatever its device. The defaults
// here are composed from the elementwise primitives (what the CUDA backend runs); the CPU backend
// replaces them with one host loop each (CPUBackend+Optimizer.swift).

/// The numbers of one Adam/AdamW step, rounded as PyTorch's single-tensor kernels round them.
public struct AdamStep: Sendable {
    public var beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    /// AdamW: p *= 1 - lr * weightDecay before the step, instead of the decay entering the gradient.
    public var decoupled: Bool
    /// 1 - lr * weightDecay, rounded to float32.
    public var decay: Float
    /// -lr / (1 - beta1^step).
    public var stepSize: Float
    /// sqrt(1 - beta2^step).
    public var bc2Sqrt: Float

    public init(
        beta1: Float, beta2: Float, eps: Float, weightDecay: Float, decoupled: Bool, decay: Float, stepSize: Float,
        bc2Sqrt: Float
    ) {
        (self.beta1, self.beta2, self.eps, self.weightDecay, self.decoupled) = (beta1, beta2, eps, weightDecay, decoupled)
        (self.decay, self.stepSize, self.bc2Sqrt) = (decay, stepSize, bc2Sqrt)
    }
}

extension Backend {
    public func adamStep(_ parameter: Storage, gradient: Storage, expAvg: Storage, expAvgSq: Storage, count: Int, _ step: AdamStep) {
        composedAdamStep(parameter, gradient: gradient, expAvg: expAvg, expAvgSq: expAvgSq, count: count, step)
    }

    /// `adamStep` in elementwise primitives, in the order the tensor formulation evaluates it:
    ///   w = p * decay (AdamW) or g = g + p * weightDecay (Adam)
    ///   m = m + (g - m) * w1 (w1 = 1 - beta1 < 0.5), else g - (g - m) * (1 - w1)
    ///   v = v * beta2 + (g * (1 - beta2)) * g
    ///   p = w + (m * stepSize) / (sqrt(v) * (1 / bc2Sqrt) + eps)
    public func composedAdamStep(
        _ parameter: Storage, gradient: Storage, expAvg: Storage, expAvgSq: Storage, count: Int,
        _ step: AdamStep
    ) {
        guard count > 0 else { return }
        let shape = Shape([count]), s = [1]
        func map(_ op: UnaryOp, _ x: Storage, _ out: Storage) { unary(op, x, into: out) }
        func combine(_ op: BinaryOp, _ a: Storage, _ b: Storage, _ out: Storage) {
            binary(op, a, strides: s, b, strides: s, shape: shape, into: out)
        }
        let w1 = 1 - step.beta1
        var w = parameter, g = gradient
        if step.weightDecay != 0 {
            if step.decoupled {
                w = allocate(count)
                map(.scale(step.decay), parameter, w)
            } else {
                let decayed = allocate(count)
                map(.scale(step.weightDecay), parameter, decayed)
                g = allocate(count)
                combine(.add, gradient, decayed, g)
            }
        }
        let diff = allocate(count), t = allocate(count)
        combine(.sub, g, expAvg, diff)
        if w1 < 0.5 {
            map(.scale(w1), diff, t)
            combine(.add, expAvg, t, expAvg)
        } else {
            map(.scale(1 - w1), diff, t)
            combine(.sub, g, t, expAvg)
        }
        let decayedSq = allocate(count)
        map(.scale(step.beta2), expAvgSq, decayedSq)
        map(.scale(1 - step.beta2), g, t)
        combine(.mul, t, g, t)
        combine(.add, decayedSq, t, expAvgSq)
        let denom = allocate(count)
        map(.sqrt, expAvgSq, denom)
        map(.scale(1 / step.bc2Sqrt), denom, denom)
        map(.addScalar(step.eps), denom, denom)
        map(.scale(step.stepSize), expAvg, t)
        combine(.div, t, denom, t)
        combine(.add, w, t, parameter)
    }

    public func sumOfSquares(_ x: Storage, count: Int, adding start: Double) -> Double {
        composedSumOfSquares(x, count: count, adding: start)
    }

    /// `sumOfSquares`: square, then a float32 sum on the backend; one number comes back and is
    /// added to `start`.
    public func composedSumOfSquares(_ x: Storage, count: Int, adding start: Double) -> Double {
        guard count > 0 else { return start }
        let squares = allocate(count), total = allocate(1)
        unary(.square, x, into: squares)
        reduce(.sum, squares, shape: Shape([count]), axes: [0], into: total, indices: nil)
        var value: Float = 0
        withUnsafeMutablePointer(to: &value) { copy(from: total, to: UnsafeMutableBufferPointer(start: $0, count: 1)) }
        return start + Double(value)
    }
}
