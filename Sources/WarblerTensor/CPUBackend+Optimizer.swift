// The CPU backend's optimizer primitives: one host loop per Adam step and a float64 sum of
// squares (Backend+Optimizer.swift holds the composed versions other backends run).
import Foundation

extension CPUBackend {
    /// torch.optim.Adam/AdamW's single-tensor arithmetic, element by element in float32.
    public func adamStep(_ parameter: Storage, gradient: Storage, expAvg: Storage, expAvgSq: Storage, count: Int, _ step: AdamStep) {
        let w = parameter.floats, grad = gradient.floats, m = expAvg.floats, v = expAvgSq.floats
        let w1 = 1 - step.beta1, beta2 = step.beta2, oneMinusBeta2 = 1 - step.beta2
        let (wd, decay, eps, stepSize, bc2Sqrt) = (step.weightDecay, step.decay, step.eps, step.stepSize, step.bc2Sqrt)
        for j in 0..<count {
            var g = grad[j]
            if wd != 0 {
                if step.decoupled { w[j] = w[j] * decay } else { g = g + wd * w[j] }
            }
            // torch.lerp: a + w (b - a) for |w| < 0.5, else b - (b - a)(1 - w).
            m[j] = w1 < 0.5 ? m[j] + w1 * (g - m[j]) : g - (g - m[j]) * (1 - w1)
            v[j] = v[j] * beta2 + oneMinusBeta2 * g * g
            let denom = v[j].squareRoot() / bc2Sqrt + eps
            w[j] = w[j] + stepSize * m[j] / denom
        }
    }

    /// The squares added one by one to `start` in float64 (PyTorch sums in float32: the two
    /// agree to float32 rounding).
    public func sumOfSquares(_ x: Storage, count: Int, adding start: Double) -> Double {
        var sum = start
        for j in 0..<count { sum += Double(x.floats[j]) * Double(x.floats[j]) }
        return sum
    }
}
