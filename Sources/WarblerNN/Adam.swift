// Adam (torch.optim.Adam: L2 weight decay added to the gradient) and AdamW (torch.optim.AdamW:
// decoupled decay), one update rule with PyTorch's single-tensor arithmetic, float32 elementwise
// and float64 bias corrections:
//   step += 1
//   AdamW: p = p * (1 - lr * weightDecay)          Adam: g = grad + weightDecay * p
//   m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
//   p = p - (lr / (1 - beta1^step)) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps)
// State per stepped parameter i: "state.<i>.step" (scalar), "state.<i>.exp_avg",
// "state.<i>.exp_avg_sq", as PyTorch names them.
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
    public convenience init(parameters: [Tensor], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
                            eps: Float = 1e-8, weightDecay: Float = 0) throws {
        try self.init(parameters: parameters, learningRate: learningRate, betas: betas, eps: eps,
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
        let (beta1, beta2) = betas
        let eps = eps, wd = weightDecay, decoupled = decoupledWeightDecay
        // lerp weight and the decoupled decay factor, rounded to float32 as PyTorch's kernels do.
        let w1 = 1 - beta1, oneMinusBeta2 = 1 - beta2
        let decay = Float(1 - Double(learningRate) * Double(wd))
        for (i, p) in parameters.enumerated() {
            guard let gradient = p.grad else { continue }
            if p.device != .cpu || Adam.useTensorOps {
                try tensorStep(i, p, gradient)
                continue
            }
            var g = gradient.toArray()
            let (s, stepSize, bc2Sqrt) = try advance(i, p)
            p.update { w in
                if wd != 0 {
                    if decoupled { for j in w.indices { w[j] = w[j] * decay } } else { for j in w.indices { g[j] = g[j] + wd * w[j] } }
                }
                s["exp_avg"]!.update { m in
                    s["exp_avg_sq"]!.update { v in
                        for j in w.indices {
                            // torch.lerp: a + w (b - a) for |w| < 0.5, else b - (b - a)(1 - w).
                            m[j] = w1 < 0.5 ? m[j] + w1 * (g[j] - m[j]) : g[j] - (g[j] - m[j]) * (1 - w1)
                            v[j] = v[j] * beta2 + oneMinusBeta2 * g[j] * g[j]
                            let denom = v[j].squareRoot() / bc2Sqrt + eps
                            w[j] = w[j] + stepSize * m[j] / denom
                        }
                    }
                }
            }
        }
    }

    /// Parameter i's state (made on its first step, zeros on the parameter's device; moments
    /// loaded from a checkpoint arrive on the host and move there) after counting this step,
    /// with the step size -lr / (1 - beta1^step) and sqrt(1 - beta2^step), as PyTorch rounds them.
    private func advance(_ i: Int, _ p: Tensor) throws -> (state: [String: Tensor], stepSize: Float, bc2Sqrt: Float) {
        if state.state[i].isEmpty {
            state.state[i] = ["step": try Tensor.zeros([]), "exp_avg": try Tensor.zeros(p.shape, device: p.device),
                              "exp_avg_sq": try Tensor.zeros(p.shape, device: p.device)]
        }
        for name in ["exp_avg", "exp_avg_sq"] where state.state[i][name]!.device != p.device {
            state.state[i][name] = try state.state[i][name]!.on(p.device)
        }
        let s = state.state[i]
        var step: Float = 0
        s["step"]!.update { $0[0] += 1; step = $0[0] }
        let bc1 = 1 - Foundation.pow(Double(betas.0), Double(step))
        let bc2 = 1 - Foundation.pow(Double(betas.1), Double(step))
        return (s, Float(-(Double(learningRate) / bc1)), Float(bc2.squareRoot()))
    }

    /// Tests only: run the device path (`tensorStep`) on CPU parameters too.
    nonisolated(unsafe) static var useTensorOps = false

    /// The same update as `step`'s host loop, in tensor ops on the parameter's own device (a
    /// GPU's kernels), with the moments kept on that device. The step counter stays a host
    /// scalar. Equal to the host loop up to the rounding of sqrt and division on the device.
    func tensorStep(_ i: Int, _ p: Tensor, _ gradient: Tensor) throws {
        let (beta1, beta2) = betas
        let w1 = 1 - beta1, oneMinusBeta2 = 1 - beta2
        let decay = Float(1 - Double(learningRate) * Double(weightDecay))
        try GradMode.withoutGradients {
            let (s, stepSize, bc2Sqrt) = try advance(i, p)
            var w = p.detached(), g = gradient
            if weightDecay != 0 {
                if decoupledWeightDecay { w = w * decay } else { g = try g + w * weightDecay }
            }
            let m0 = s["exp_avg"]!, v0 = s["exp_avg_sq"]!
            let m = w1 < 0.5 ? try m0 + (g - m0) * w1 : try g - (g - m0) * (1 - w1)
            let v = try v0 * beta2 + g * oneMinusBeta2 * g
            let denom = v.sqrt() / bc2Sqrt + eps
            try m0.copy(from: m)
            try v0.copy(from: v)
            try p.copy(from: w + (m * stepSize) / denom)
        }
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
    public init(parameters: [Tensor], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
                eps: Float = 1e-8, weightDecay: Float = 1e-2) throws {
        try super.init(parameters: parameters, learningRate: learningRate, betas: betas, eps: eps,
                       weightDecay: weightDecay, decoupled: true)
    }
}
