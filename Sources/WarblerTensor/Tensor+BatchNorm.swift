// Batch normalisation over the channel dimension of [N, C, ...] (BatchNorm1d/2d), with its
// gradients: in training the standard batch-norm backward through the batch statistics, in
// evaluation the affine-only one (the running statistics are constants). The running mean and
// variance are plain tensors updated in place in training, as torch.nn.functional.batch_norm
// does. Like every op, gradients of parameters accumulate (+=) and those between ops are assigned.
import Foundation

extension Tensor {
    /// x: [N, C, ...] with runningMean, runningVar, weight, bias: [C] -> same shape as x:
    /// y = (x - mean[c]) / sqrt(var[c] + eps) * weight[c] + bias[c]. Matches
    /// torch.nn.functional.batch_norm. In `training` mean and var are the batch's (biased
    /// variance over N and the spatial dimensions), and the running statistics are updated in
    /// place: running = (1 - momentum) running + momentum stat, with the unbiased variance
    /// (times M / (M - 1), M = N * spatial size). Otherwise the running statistics normalise
    /// and are left alone. Gradients for x, weight and bias (nil weight/bias: 1 and 0).
    /// `relu`: max(y, 0) in the same pass, equal to `.relu()` after it; the graph then keeps
    /// x and the output only (as PyTorch's in-place ReLU after a batch norm does).
    public func batchNorm(
        runningMean: Tensor, runningVar: Tensor, weight: Tensor?, bias: Tensor?, training: Bool,
        momentum: Float = 0.1, eps: Float = 1e-5, relu: Bool = false
    ) throws -> Tensor {
        let x = self
        guard rank >= 2 else { throw TensorError("batch_norm", "needs input [N, C, ...], got \(shape)") }
        let (n, c) = (shape[0], shape[1])
        let inner = shape.dims.dropFirst(2).reduce(1, *)
        for (name, t) in [("running_mean", runningMean), ("running_var", runningVar), ("weight", weight), ("bias", bias)] {
            guard let t else { continue }
            try x.checkSameDevice(t, "batch_norm")
            guard t.shape == Shape([c]) else {
                throw TensorError("batch_norm", "\(name) of shape \(t.shape) for input \(shape) (needs [\(c)])")
            }
        }
        let m = n * inner
        if training && m <= 1 {
            throw TensorError("batch_norm", "expected more than 1 value per channel when training, got input \(shape)")
        }
        let backend = x.backend
        let (mean, invStd) = try GradMode.withoutGradients { () -> (Tensor, Tensor) in
            let mean: Tensor, variance: Tensor
            if training {
                mean = Tensor.empty([c], on: backend)
                variance = Tensor.empty([c], on: backend)
                backend.channelMoments(x.storage, outer: n, channels: c, inner: inner, mean: mean.storage, variance: variance.storage)
                let unbiased = variance * (Float(m) / Float(m - 1))
                try runningMean.copy(from: try runningMean * (1 - momentum) + mean * momentum)
                try runningVar.copy(from: try runningVar * (1 - momentum) + unbiased * momentum)
            } else {
                // Copies, so a later in-place update cannot change this graph's backward.
                mean = try runningMean.copied()
                variance = try runningVar.copied()
            }
            return (mean, try Tensor.ones([], device: x.device) / (variance + eps).sqrt())
        }
        // y = (x - mean) * (weight * invStd) + bias
        let scale = try GradMode.withoutGradients { try weight.map { try $0 * invStd } ?? invStd }
        let out = Tensor.empty(shape, on: backend)
        if relu {
            backend.channelAffineReLU(
                x.storage, outer: n, channels: c, inner: inner, center: mean.storage, scale: scale.storage,
                shift: bias?.storage, into: out.storage)
        } else {
            backend.channelAffine(
                x.storage, outer: n, channels: c, inner: inner, center: mean.storage, scale: scale.storage,
                shift: bias?.storage, accumulate: false, into: out.storage)
        }
        // With the ReLU fused, its mask comes from the output (y > 0 exactly where the batch
        // norm's result is): the closure keeps the output's storage, not the tensor (whose node
        // holds the closure: a cycle).
        let mask = relu ? out.storage : nil
        return out.recording(relu ? "batch_norm_relu" : "batch_norm", [x] + [weight, bias].compactMap { $0 }) { g in
            // With g' = g masked by the ReLU (or g): sum[c] = sum of g', dot[c] = sum of
            // g' (x - mean): the bias and weight gradients.
            let sum = Tensor.empty([c], on: backend), dot = Tensor.empty([c], on: backend)
            backend.channelGradientSums(
                g.storage, x.storage, center: mean.storage, reluOutput: mask, outer: n, channels: c,
                inner: inner, sum: sum.storage, dot: dot.storage)
            var gx: Tensor?
            if x.requiresGrad {
                let dx = Tensor.empty(x.shape, on: backend)
                if training {
                    // dx = scale (g' - sum / M - (x - mean) invStd^2 dot / M)
                    let shift = try (scale * sum) * (-1 / Float(m))
                    let slope = try (scale * invStd * invStd * dot) * (-1 / Float(m))
                    backend.batchNormInputGradient(
                        g.storage, x.storage, reluOutput: mask, center: mean.storage,
                        scale: scale.storage, shift: shift.storage, slope: slope.storage,
                        outer: n, channels: c, inner: inner, into: dx.storage)
                } else {
                    backend.batchNormInputGradient(
                        g.storage, x.storage, reluOutput: mask, center: mean.storage,
                        scale: scale.storage, shift: nil, slope: nil,
                        outer: n, channels: c, inner: inner, into: dx.storage)
                }
                gx = dx
            }
            var grads: [Tensor?] = [gx]
            if let weight { grads.append(weight.requiresGrad ? try dot * invStd : nil) }
            if bias != nil { grads.append(sum) }
            return grads
        }
    }
}
