// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay,
// exactly as torch.optim.SGD (single-tensor path, float32):
//   g = grad + weightDecay * p
//   buf = g (first step), else buf = momentum * buf + (1 - dampening) * g
//   g = nesterov ? g + momentum * buf : buf        (when momentum != 0)
//   p = p - lr * g
// State: "state.<i>.momentum_buffer" once parameter i has been stepped with momentum.
import WarblerTensor

public final class SGD: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Float
    public let momentum: Float
    public let dampening: Float
    public let nesterov: Bool
    public let weightDecay: Float
    var state: OptimizerState

    /// Rejects what PyTorch rejects: negative rates, and Nesterov without momentum or with
    /// dampening.
    public init(
        parameters: [Tensor], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
        nesterov: Bool = false, weightDecay: Float = 0
    ) throws {
        guard learningRate >= 0, momentum >= 0, weightDecay >= 0 else {
            throw TensorError("SGD", "learning rate \(learningRate), momentum \(momentum) and weight decay \(weightDecay) must not be negative")
        }
        guard !nesterov || (momentum > 0 && dampening == 0) else {
            throw TensorError("SGD", "Nesterov momentum requires a momentum and zero dampening")
        }
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        state = OptimizerState(names: momentum != 0 ? ["momentum_buffer"] : [], count: parameters.count)
    }

    public func step() throws {
        let lr = learningRate, mu = momentum, damp = 1 - dampening, wd = weightDecay, nesterov = nesterov
        for (i, p) in parameters.enumerated() {
            guard let gradient = p.grad else { continue }
            var g = gradient.toArray()
            try p.update { w in
                if wd != 0 { for j in w.indices { g[j] = g[j] + wd * w[j] } }
                if mu != 0 {
                    if let buf = state.state[i]["momentum_buffer"] {
                        buf.update { b in for j in b.indices { b[j] = b[j] * mu + damp * g[j] } }
                    } else {
                        state.state[i]["momentum_buffer"] = try Tensor(g, shape: p.shape)
                    }
                    let b = state.state[i]["momentum_buffer"]!.toArray()
                    if nesterov { for j in g.indices { g[j] = g[j] + mu * b[j] } } else { g = b }
                }
                for j in w.indices { w[j] = w[j] + -lr * g[j] }
            }
        }
    }

    public func stateDict() -> [String: Tensor] { state.stateDict() }

    public func load(stateDict: [String: Tensor]) throws {
        try state.load(stateDict, parameters: parameters, optimizer: "SGD")
    }
}
