// Binary cross-entropy on probabilities and on logits, mean-reduced, with their gradients.
// Match torch.nn.functional.binary_cross_entropy (log clamped at -100) and
// binary_cross_entropy_with_logits.
import Foundation

extension Tensor {
    /// p, y: same shape, p in [0, 1] -> scalar mean of -(y log p + (1 - y) log(1 - p)).
    public func binaryCrossEntropy(target y: Tensor) throws -> Tensor {
        let p = self
        guard p.shape == y.shape else { throw TensorError("binary_cross_entropy", "input \(p.shape) and target \(y.shape) differ") }
        // torch clamps each log at -100 so p = 0 or 1 gives a finite loss.
        let logP = p.mapped(.log).mapped(.clamp(-100, nil))
        let log1mP = (1 - p).detached().mapped(.log).mapped(.clamp(-100, nil))
        let perElement = try GradMode.withoutGradients { try -(y * logP + (1 - y) * log1mP) }
        let n = Float(p.count)
        let loss = try GradMode.withoutGradients { try perElement.mean() }
        return loss.recording("binary_cross_entropy", [p, y]) { g in
            // d/dp = (p - y) / max(p (1 - p), eps), eps = 1e-12 as torch.
            let denom = try (p * (1 - p)).mapped(.clamp(1e-12, nil))
            let dp = try (p - y) / denom * (1 / n)
            let dy = try (log1mP - logP) * (1 / n)
            let gs = try g.item()
            return [dp * gs, dy * gs]
        }
    }

    /// x (logits), y: same shape -> scalar mean of max(x, 0) - x y + log(1 + e^-|x|).
    public func binaryCrossEntropy(logitsTarget y: Tensor) throws -> Tensor {
        let x = self
        guard x.shape == y.shape else { throw TensorError("binary_cross_entropy_with_logits", "input \(x.shape) and target \(y.shape) differ") }
        let n = Float(x.count)
        let loss = try GradMode.withoutGradients {
            let softplus = (-(x.abs())).exp() + 1
            return try (x.relu() - x * y + softplus.log()).mean()
        }
        return loss.recording("binary_cross_entropy_with_logits", [x, y]) { g in
            let gs = try g.item()
            let dx = try (x.sigmoid() - y) * (gs / n)
            let dy = -x * (gs / n)
            return [dx, dy]
        }
    }

    /// Zeroes each element with probability `p` and scales the rest by 1 / (1 - p) when
    /// `training`; identity otherwise (torch.nn.functional.dropout). `generator` makes it
    /// reproducible.
    public func dropout(_ p: Float, training: Bool, generator: inout some RandomNumberGenerator) throws -> Tensor {
        guard p >= 0 && p < 1 else { throw TensorError("dropout", "probability \(p) is not in [0, 1)") }
        guard training && p > 0 else { return self }
        let keep = 1 / (1 - p)
        let mask = (0..<count).map { _ in Float.random(in: 0..<1, using: &generator) >= p ? keep : 0 }
        return try self * Tensor(mask, shape: shape, device: device)
    }
}
