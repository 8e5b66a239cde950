// Folding an evaluation-mode BatchNorm2d into the convolution before it, for inference:
//   s[o] = weight[o] / sqrt(running_var[o] + eps)
//   W'[o] = W[o] s[o],   b'[o] = (b[o] - running_mean[o]) s[o] + bias[o]   (b = 0 without a conv bias)
// so conv'(x) = bn(conv(x)) up to float32 rounding (computed in float64, then rounded), and the
// batch norm becomes a pass-through. The convolution's weight is changed in place and it gains
// a bias; a folded model is for inference only (its state dict no longer equals the original's
// and its batch norms refuse training mode).
import WarblerTensor

extension Conv2d {
    /// Folds `bn` (which must read this convolution's output) into this convolution's weight
    /// and bias and marks it folded. Throws when the channel counts differ or `bn` is already
    /// folded.
    public func fold(_ bn: BatchNorm2d) throws {
        guard bn.channels == outputChannels else {
            throw TensorError("fold", "BatchNorm2d of \(bn.channels) channels after a convolution with \(outputChannels) outputs")
        }
        guard !bn.isFolded else { throw TensorError("fold", "this BatchNorm2d is already folded") }
        let o = outputChannels
        let perChannel = weight.count / o
        let gamma = bn.weight.toArray(), beta = bn.bias.toArray()
        let mean = bn.runningMean.toArray(), variance = bn.runningVar.toArray()
        let oldBias = bias?.toArray() ?? [Float](repeating: 0, count: o)
        var scale = [Double](repeating: 0, count: o)
        var newBias = [Float](repeating: 0, count: o)
        for c in 0..<o {
            scale[c] = Double(gamma[c]) / (Double(variance[c]) + Double(bn.eps)).squareRoot()
            newBias[c] = Float((Double(oldBias[c]) - Double(mean[c])) * scale[c] + Double(beta[c]))
        }
        try GradMode.withoutGradients {
            weight.update { w in
                for c in 0..<o { for i in 0..<perChannel { w[c * perChannel + i] = Float(Double(w[c * perChannel + i]) * scale[c]) } }
            }
            if let bias { try bias.copy(from: Tensor(newBias, shape: [o])) } else { bias = try Tensor(newBias, shape: [o], requiresGrad: true) }
        }
        bn.isFolded = true
    }
}
