// Optimizer: updates a fixed list of parameters from their `.grad`, in place and without
// recording gradients, with PyTorch's semantics (parameters whose grad is nil are skipped and
// their state is not advanced). State (momentum buffers, moments, step counts) is exposed as a
// flat state dict keyed like PyTorch's optimizer state: "state.<index>.<name>", index being the
// parameter's position in the list, so it can be checkpointed with the model (e.g. safetensors).
// Hyperparameters are not in the state dict: they belong to the training configuration.
import WarblerTensor

public protocol Optimizer: AnyObject {
    /// The parameters updated, in the order that indexes the state dict.
    var parameters: [Tensor] { get }
    /// The learning rate of the next `step()`; schedules set it before each step.
    var learningRate: Float { get set }
    /// Applies one update from the current gradients.
    func step() throws
    /// The optimizer's state by key; values share storage with the live state.
    func stateDict() -> [String: Tensor]
    /// Replaces the state with a saved one (keys as `stateDict()`); parameters with no entries
    /// start fresh. Invalid keys or shapes are reported before anything changes.
    func load(stateDict: [String: Tensor]) throws
}

extension Optimizer {
    /// Clears every parameter's gradient (torch.optim.Optimizer.zero_grad, set_to_none=True).
    public func zeroGrad() {
        for p in parameters { p.zeroGrad() }
    }
}

/// Per-parameter named state tensors (the common part of every optimizer's state handling).
struct OptimizerState {
    /// The state names each parameter may have, e.g. ["step", "exp_avg", "exp_avg_sq"].
    let names: [String]
    /// state[i][name]: present once parameter i has been stepped.
    var state: [[String: Tensor]]

    init(names: [String], count: Int) {
        self.names = names
        state = Array(repeating: [:], count: count)
    }

    func stateDict() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (i, s) in state.enumerated() {
            for (name, t) in s { out["state.\(i).\(name)"] = t }
        }
        return out
    }

    /// Validates `dict` against the parameters' shapes (`step` is a scalar), then replaces all
    /// state with copies of it.
    mutating func load(_ dict: [String: Tensor], parameters: [Tensor], optimizer: String) throws {
        var fresh = Array(repeating: [String: Tensor](), count: parameters.count)
        var problems: [String] = []
        for (key, value) in dict.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "state", let i = Int(parts[1]), parameters.indices.contains(i),
                names.contains(String(parts[2]))
            else {
                problems.append("unexpected key \(key)")
                continue
            }
            let name = String(parts[2])
            let expected = name == "step" ? Shape([]) : parameters[i].shape
            guard value.shape == expected || (name == "step" && value.count == 1) else {
                problems.append("\(key) has shape \(value.shape) but parameter \(i) needs \(expected)")
                continue
            }
            fresh[i][name] = try Tensor(value.toArray(), shape: expected)
        }
        for (i, s) in fresh.enumerated() where !s.isEmpty && s.count != names.count {
            let absent = names.filter { s[$0] == nil }.map { "state.\(i).\($0)" }
            problems.append("incomplete state for parameter \(i) (missing \(absent.joined(separator: ", ")))")
        }
        guard problems.isEmpty else {
            throw TensorError("\(optimizer).load(stateDict:)", problems.joined(separator: "; "))
        }
        state = fresh
    }
}
