// Reverse-mode automatic differentiation. Each op run with gradients enabled on inputs that
// need them attaches a GradNode (its inputs and a closure mapping the output's gradient to the
// inputs' gradients). `backward()` orders the graph topologically and runs the closures with
// gradients disabled. Leaf gradients accumulate across calls (+=), like PyTorch.
import Foundation

final class GradNode {
    let op: String
    let inputs: [Tensor]
    /// Gradient of the output -> gradients of the inputs (nil where an input needs none).
    let backward: (Tensor) throws -> [Tensor?]

    init(op: String, inputs: [Tensor], backward: @escaping (Tensor) throws -> [Tensor?]) {
        self.op = op
        self.inputs = inputs
        self.backward = backward
    }
}

public enum GradMode {
    @TaskLocal static var enabled = true

    /// Whether ops record graphs right now.
    public static var isEnabled: Bool { enabled }

    /// Runs `body` without recording any graph (inference, optimizer updates): no tape is kept.
    public static func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
        try $enabled.withValue(false) { try body() }
    }
}

extension Tensor {
    /// Records `node` on `self` when gradients are enabled and any input requires them.
    @discardableResult
    func recording(_ op: String, _ inputs: [Tensor], _ backward: @escaping (Tensor) throws -> [Tensor?]) -> Tensor {
        if GradMode.enabled && inputs.contains(where: { $0.requiresGrad }) {
            requiresGrad = true
            node = GradNode(op: op, inputs: inputs, backward: backward)
        }
        return self
    }

    /// Backpropagates from this tensor. A non-scalar output needs `gradient` (same shape).
    public func backward(gradient: Tensor? = nil) throws {
        guard requiresGrad else {
            throw TensorError("backward", "the tensor does not require gradients (no input to it needed them, or it was made without gradients)")
        }
        let seed: Tensor
        if let gradient {
            guard gradient.shape == shape else {
                throw TensorError("backward", "gradient of shape \(gradient.shape) for a tensor of shape \(shape)")
            }
            seed = gradient
        } else {
            guard count == 1 else {
                throw TensorError("backward", "a tensor of shape \(shape) needs an explicit gradient (only one-element outputs default to 1)")
            }
            seed = try Tensor.ones(shape, device: device)
        }
        // Topological order of the nodes that lead here.
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            if !visited.insert(ObjectIdentifier(t)).inserted { continue }
            stack.append((t, true))
            for input in t.node?.inputs ?? [] where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
        try GradMode.withoutGradients {
            for t in order.reversed() {
                guard let g = grads.removeValue(forKey: ObjectIdentifier(t)) else { continue }
                guard let node = t.node else {
                    // A leaf's first gradient is copied: `g` may be the caller's seed or shared
                    // by several inputs, and optimizers and clipping modify `.grad` in place.
                    t.grad = try t.grad.map { try $0 + g } ?? g.copied()
                    continue
                }
                let inputGrads = try node.backward(g)
                for (input, ig) in zip(node.inputs, inputGrads) where input.requiresGrad {
                    guard let ig else { continue }
                    guard ig.shape == input.shape else {
                        throw TensorError("backward", "\(node.op) produced a gradient of shape \(ig.shape) for an input of shape \(input.shape)")
                    }
                    let key = ObjectIdentifier(input)
                    grads[key] = try grads[key].map { try $0 + ig } ?? ig
                }
            }
        }
    }
}
