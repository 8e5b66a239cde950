// Reverse-mode automatic differentiation. Each op run with gradients enabled on inputs that
// need them attaches a GradNode (its inputs and a closure mapping the output's gradient to the
// inputs' gradients). `backward()` orders the graph topologically and runs the closures with
// gradients disabled. Leaf gradients accumulate across calls (+=), like PyTorch.
import Foundation

/// What a node keeps of one input that needs a gradient: the node that made it (an interior
/// tensor) or the tensor itself (a leaf, which receives `.grad`), and its shape. An interior
/// input tensor is not kept, so its storage is freed as soon as nothing else holds it: a
/// backward closure that needs its values captures them itself (the ReLU keeps its output, a
/// sum only its input's shape), and the graph holds no more memory than its gradients need.
struct GradEdge {
    let node: GradNode?
    let leaf: Tensor?
    let shape: Shape

    init(_ t: Tensor) {
        node = t.node
        leaf = t.node == nil ? t : nil
        shape = t.shape
    }

    /// The identity gradients are summed under: the producing node, or the leaf tensor.
    var key: ObjectIdentifier { node.map { ObjectIdentifier($0) } ?? ObjectIdentifier(leaf!) }
}

final class GradNode {
    let op: String
    /// One per input; nil for an input that needs no gradient.
    let inputs: [GradEdge?]
    /// Gradient of the output -> gradients of the inputs (nil where an input needs none).
    let backward: (Tensor) throws -> [Tensor?]

    init(op: String, inputs: [GradEdge?], backward: @escaping (Tensor) throws -> [Tensor?]) {
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
            node = GradNode(op: op, inputs: inputs.map { $0.requiresGrad ? GradEdge($0) : nil }, backward: backward)
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
        guard let root = node else {
            // A leaf: its own gradient.
            grad = try GradMode.withoutGradients { try grad.map { try $0 + seed } ?? seed.copied() }
            return
        }
        // Topological order of the nodes that lead here.
        var order: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradNode, Bool)] = [(root, false)]
        while let (n, expanded) = stack.popLast() {
            if expanded { order.append(n); continue }
            if !visited.insert(ObjectIdentifier(n)).inserted { continue }
            stack.append((n, true))
            for case let edge? in n.inputs {
                if let input = edge.node, !visited.contains(ObjectIdentifier(input)) { stack.append((input, false)) }
            }
        }
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed]
        // Leaves in the order they were first reached, with the sum of their gradients.
        var leaves: [(Tensor, Tensor)] = []
        var leafIndex: [ObjectIdentifier: Int] = [:]
        try GradMode.withoutGradients {
            for n in order.reversed() {
                guard let g = grads.removeValue(forKey: ObjectIdentifier(n)) else { continue }
                let inputGrads = try n.backward(g)
                for (edge, ig) in zip(n.inputs, inputGrads) {
                    guard let edge, let ig else { continue }
                    guard ig.shape == edge.shape else {
                        throw TensorError("backward", "\(n.op) produced a gradient of shape \(ig.shape) for an input of shape \(edge.shape)")
                    }
                    if let leaf = edge.leaf {
                        let key = ObjectIdentifier(leaf)
                        if let i = leafIndex[key] {
                            leaves[i].1 = try leaves[i].1 + ig
                        } else {
                            leafIndex[key] = leaves.count
                            leaves.append((leaf, ig))
                        }
                    } else {
                        let key = edge.key
                        grads[key] = try grads[key].map { try $0 + ig } ?? ig
                    }
                }
            }
            // A leaf's first gradient is copied: `g` may be the caller's seed or shared by
            // several inputs, and optimizers and clipping modify `.grad` in place.
            for (leaf, g) in leaves {
                leaf.grad = try leaf.grad.map { try $0 + g } ?? g.copied()
            }
        }
    }
}
