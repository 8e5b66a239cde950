// Adam (torch.optim.Adam: L2 weight decay added to the gradient) and AdamW (torch.optim.AdamW:
// decoupled decay), one update rule with PyTorch's single-tensor arithmetic, float32 elementwise
// and float64 bias corrections:
//   step += 1
//   AdamW: p = p * (1 - lr * weightDecay)          Adam: g = grad + weightDecay * p
//   m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
//   p = p - (lr / (1 - beta1^step)) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps)
// State per stepped parameter i: "state.<i>.step" (scalar), "state.<i>.exp_avg",
// "state.<i>.exp_avg_sq", as PyTorch names them. The update itself is one backend call per
// parameter on its device (Tensor.adamStep).
import Foundation
import WarblerTensor

public class Adam: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Float
    public let betas: (Float, Float)
    public let eps: Float
    public let weightDecay: Float
    /// True for AdamW.
    public let decoupledWeightDecay: Bool
    var state: OptimizerState

    /// torch.optim.Adam's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0.
    public convenience init(
        parameters: [Tensor], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
        eps: Float = 1e-8, weightDecay: Float = 0
    ) throws {
        try self.init(
            parameters: parameters, learningRate: learningRate, betas: betas, eps: eps,
            weightDecay: weightDecay, decoupled: false)
    }

    init(parameters: [Tensor], learningRate: Float, betas: (Float, Float), eps: Float, weightDecay: Float, decoupled: Bool) throws {
        let name = decoupled ? "AdamW" : "Adam"
        guard learningRate >= 0, eps >= 0, weightDecay >= 0 else {
            throw TensorError(name, "learning rate \(learningRate), eps \(eps) and weight decay \(weightDecay) must not be negative")
        }
        guard (0..<1).contains(betas.0), (0..<1).contains(betas.1) else {
            throw TensorError(name, "betas (\(betas.0), \(betas.1)) must lie in [0, 1)")
        }
        self.parameters = parameters
        self.learningRate = learningRate
        self.betas = betas
        self.eps = eps
        self.weightDecay = weightDecay
        decoupledWeightDecay = decoupled
        state = OptimizerState(names: ["step", "exp_avg", "exp_avg_sq"], count: parameters.count)
    }

    public func step() throws {
        for (i, p) in parameters.enumerated() {
            guard let gradient = p.grad else { continue }
            let (s, stepSize, bc2Sqrt) = try advance(i, p)
            // The decoupled decay factor rounded to float32, as PyTorch's kernels round it.
            let decay = Float(1 - Double(learningRate) * Double(weightDecay))
            try p.adamStep(
                gradient: gradient, expAvg: s["exp_avg"]!, expAvgSq: s["exp_avg_sq"]!,
                AdamStep(
                    beta1: betas.0, beta2: betas.1, eps: eps, weightDecay: weightDecay,
                    decoupled: decoupledWeightDecay, decay: decay, stepSize: stepSize, bc2Sqrt: bc2Sqrt))
        }
    }

    /// Parameter i's state (made on its first step, zeros on the parameter's device; moments
    /// loaded from a checkpoint arrive on the host and move there) after counting this step,
    /// with the step size -lr / (1 - beta1^step) and sqrt(1 - beta2^step), as PyTorch rounds them.
    private func advance(_ i: Int, _ p: Tensor) throws -> (state: [String: Tensor], stepSize: Float, bc2Sqrt: Float) {
        if state.state[i].isEmpty {
            state.state[i] = [
                "step": try Tensor.zeros([]), "exp_avg": try Tensor.zeros(p.shape, device: p.device),
                "exp_avg_sq": try Tensor.zeros(p.shape, device: p.device),
            ]
        }
        for name in ["exp_avg", "exp_avg_sq"] where state.state[i][name]!.device != p.device {
            state.state[i][name] = try state.state[i][name]!.on(p.device)
        }
        let s = state.state[i]
        var step: Float = 0
        s["step"]!.update {
            $0[0] += 1; step = $0[0]
        }
        let bc1 = 1 - Foundation.pow(Double(betas.0), Double(step))
        let bc2 = 1 - Foundation.pow(Double(betas.1), Double(step))
        return (s, Float(-(Double(learningRate) / bc1)), Float(bc2.squareRoot()))
    }

    public func stateDict() -> [String: Tensor] { state.stateDict() }

    public func load(stateDict: [String: Tensor]) throws {
        try state.load(stateDict, parameters: parameters, optimizer: decoupledWeightDecay ? "AdamW" : "Adam")
    }
}

/// Adam with decoupled weight decay (torch.optim.AdamW): the parameter shrinks by
/// lr * weightDecay before the Adam step instead of the decay entering the gradient.
public final class AdamW: Adam {
    /// torch.optim.AdamW's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2.
    public init(
        parameters: [Tensor], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
        eps: Float = 1e-8, weightDecay: Float = 1e-2
    ) throws {
        try super.init(
            parameters: parameters, learningRate: learningRate, betas: betas, eps: eps,
            weightDecay: weightDecay, decoupled: true)
    }
}
