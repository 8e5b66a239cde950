// State dicts: every parameter and buffer under its dotted PyTorch key, and loading one back
// into an existing module. Loading copies values into the module's own tensors (so optimizers
// holding them keep working) and checks everything first: a bad state dict changes nothing and
// is reported in one error listing every missing key, unexpected key and shape mismatch.
// One documented exception, as PyTorch's BatchNorm makes it: a missing `num_batches_tracked`
// (a counter that older checkpoints lack and that never affects results) is not an error; the
// module keeps its own value and the key is not reported as missing.
import WarblerTensor

/// What `load(stateDict:strict:)` skipped when not strict (torch's _IncompatibleKeys).
public struct StateDictKeys: Equatable, Sendable {
    /// Model keys the state dict had no value for (left unchanged).
    public var missing: [String]
    /// State-dict keys the model does not have (ignored).
    public var unexpected: [String]

    public init(missing: [String], unexpected: [String]) {
        self.missing = missing
        self.unexpected = unexpected
    }
}

/// A state dict that does not fit a module, every problem named.
public struct StateDictError: Error, CustomStringConvertible, Sendable {
    public struct Mismatch: Equatable, Sendable {
        public var key: String
        public var expected: Shape
        public var found: Shape
    }

    /// The module's type, for the message.
    public var module: String
    public var missing: [String]
    public var unexpected: [String]
    public var mismatched: [Mismatch]

    public var description: String {
        var parts: [String] = []
        func list(_ keys: [String]) -> String {
            keys.count <= 12 ? keys.joined(separator: ", ") : keys.prefix(12).joined(separator: ", ") + ", ... (\(keys.count - 12) more)"
        }
        if !missing.isEmpty { parts.append("\(missing.count) missing key\(missing.count == 1 ? "" : "s") (\(list(missing)))") }
        if !unexpected.isEmpty { parts.append("\(unexpected.count) unexpected key\(unexpected.count == 1 ? "" : "s") (\(list(unexpected)))") }
        for m in mismatched {
            parts.append("\(m.key) has shape \(m.found) in the state dict but \(m.expected) in the model")
        }
        return "load(stateDict:) into \(module): " + parts.joined(separator: "; ")
    }
}

extension Module {
    /// Every parameter and buffer by dotted key (torch.nn.Module.state_dict). The values share
    /// storage with the module's tensors (as PyTorch's do): save them before the next update.
    public func stateDict() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (k, t) in collect(\.ownParameters, unique: false) + collect(\.ownBuffers, unique: false) {
            out[k] = t.detached()
        }
        return out
    }

    /// Copies `stateDict`'s values into this module's parameters and buffers, matched by key.
    /// Strict (the default, as PyTorch): any missing or unexpected key is an error. Not strict:
    /// those are skipped and returned. A shape mismatch is always an error. Nothing is changed
    /// unless the whole load succeeds. Values of another dtype were converted to float32 when
    /// read (see `SafeTensors`).
    @discardableResult
    public func load(stateDict: [String: Tensor], strict: Bool = true) throws -> StateDictKeys {
        let own = collect(\.ownParameters, unique: false) + collect(\.ownBuffers, unique: false)
        let ownKeys = Set(own.map(\.0))
        let missing = own.map(\.0).filter { stateDict[$0] == nil && !Self.isOptionalKey($0) }
        let unexpected = stateDict.keys.filter { !ownKeys.contains($0) }.sorted()
        let mismatched = own.compactMap { key, t -> StateDictError.Mismatch? in
            guard let v = stateDict[key], v.shape != t.shape else { return nil }
            return .init(key: key, expected: t.shape, found: v.shape)
        }
        if !mismatched.isEmpty || (strict && !(missing.isEmpty && unexpected.isEmpty)) {
            throw StateDictError(
                module: String(describing: type(of: self)),
                missing: strict ? missing : [], unexpected: strict ? unexpected : [], mismatched: mismatched)
        }
        try GradMode.withoutGradients {
            // A value on another device (a host checkpoint for a model on a GPU) is moved first.
            for (key, t) in own { if let v = stateDict[key] { try t.copy(from: v.device == t.device ? v : v.on(t.device)) } }
        }
        return StateDictKeys(missing: missing, unexpected: unexpected)
    }

    /// Keys a state dict may leave out: BatchNorm's `num_batches_tracked` counter.
    static func isOptionalKey(_ key: String) -> Bool {
        key == "num_batches_tracked" || key.hasSuffix(".num_batches_tracked")
    }
}
