// Gradient clipping by global L2 norm, as torch.nn.utils.clip_grad_norm_ (norm_type 2).
import Foundation
import WarblerTensor

/// Scales every gradient of `parameters` in place by min(1, maxNorm / (norm + 1e-6)), where
/// norm is the L2 norm of all gradients together, and returns that norm (before clipping).
/// Parameters without a gradient are ignored. A gradient buffer shared by two parameters (the
/// engine may hand one tensor to both operands of an add) is scaled once. Squares are summed on
/// each gradient's device (Tensor.sumOfSquares: float64 on the CPU; PyTorch sums in float32, so
/// the norms agree to float32 rounding). A NaN norm leaves the gradients unchanged (PyTorch
/// would make them all NaN): check the returned norm to skip such a step.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var seenParameters = Set<ObjectIdentifier>()
    let grads = parameters.filter { seenParameters.insert(ObjectIdentifier($0)).inserted }.compactMap(\.grad)
    var sumSquares = 0.0
    for g in grads { sumSquares = g.sumOfSquares(adding: sumSquares) }
    let norm = Float(sumSquares.squareRoot())
    let coefficient = min(maxNorm / (norm + 1e-6), 1)
    guard coefficient < 1 else { return norm }
    var scaled = Set<ObjectIdentifier>()
    for g in grads where scaled.insert(g.storageIdentity).inserted { g.scale(by: coefficient) }
    return norm
}
