// Module: a layer or model that owns parameters (trainable tensors), buffers (state such as
// running statistics) and child modules. Names follow PyTorch exactly, so the dotted keys of
// `parameters()` and `stateDict()` (`layer1.0.conv1.weight`) equal the keys of the PyTorch
// model's state_dict and a checkpoint loads with no mapping table.
//
// A conforming type lists only what it owns directly (`ownParameters`, `ownBuffers`,
// `children`); the recursive walks, the training flag's propagation and state-dict handling
// (Module+StateDict.swift) come from the extensions.
import WarblerTensor

public protocol Module: AnyObject {
    /// Parameters held directly by this module, PyTorch names, in registration order.
    var ownParameters: [(String, Tensor)] { get }
    /// Buffers held directly by this module (saved in the state dict, never trained).
    var ownBuffers: [(String, Tensor)] { get }
    /// Direct submodules with their attribute names (list indices for `ModuleList`).
    var children: [(String, any Module)] { get }
    /// Training mode (dropout active, batch statistics) versus evaluation mode. Set it for a
    /// whole tree with `train(_:)` / `eval()`.
    var isTraining: Bool { get set }
}

extension Module {
    public var ownBuffers: [(String, Tensor)] { [] }
    public var children: [(String, any Module)] { [] }

    /// This module and every descendant with its dotted path ("" for this one), depth first,
    /// in registration order (torch.nn.Module.named_modules). A module reachable twice is
    /// listed once.
    public func modules() -> [(String, any Module)] {
        walk(unique: true)
    }

    /// The module tree depth first; with `unique` false a module reachable under two names is
    /// visited under both (as state_dict does). A module containing itself is never re-entered.
    func walk(unique: Bool) -> [(String, any Module)] {
        var seen = Set<ObjectIdentifier>()
        var ancestors = Set<ObjectIdentifier>()
        var out: [(String, any Module)] = []
        func visit(_ m: any Module, _ path: String) {
            let id = ObjectIdentifier(m)
            guard !ancestors.contains(id), !unique || seen.insert(id).inserted else { return }
            out.append((path, m))
            ancestors.insert(id)
            for (name, child) in m.children { visit(child, path.isEmpty ? name : path + "." + name) }
            ancestors.remove(id)
        }
        visit(self, "")
        return out
    }

    /// Every parameter with its dotted key, own parameters before children's
    /// (torch.nn.Module.named_parameters). A tensor registered twice is listed once, under its
    /// first name, so an optimizer never steps it twice.
    public func parameters() -> [(String, Tensor)] {
        collect(\.ownParameters, unique: true)
    }

    /// Every buffer with its dotted key (torch.nn.Module.named_buffers).
    public func buffers() -> [(String, Tensor)] {
        collect(\.ownBuffers, unique: true)
    }

    /// The parameter tensors alone, in `parameters()` order: what an optimizer takes.
    public func parameterTensors() -> [Tensor] {
        parameters().map(\.1)
    }

    /// Sets training mode on this module and all its descendants (torch.nn.Module.train).
    public func train(_ training: Bool = true) {
        for (_, m) in modules() { m.isTraining = training }
    }

    /// Sets evaluation mode on the whole tree (torch.nn.Module.eval).
    public func eval() { train(false) }

    /// Own tensors of one kind from every module, keys prefixed with the module's path. With
    /// `unique` (named_parameters) each module and tensor appears once, under its first name;
    /// without it (state_dict) every name appears.
    func collect(_ kind: (any Module) -> [(String, Tensor)], unique: Bool) -> [(String, Tensor)] {
        var seen = Set<ObjectIdentifier>()
        var out: [(String, Tensor)] = []
        for (path, m) in walk(unique: unique) {
            for (name, t) in kind(m) {
                if unique && !seen.insert(ObjectIdentifier(t)).inserted { continue }
                out.append((path.isEmpty ? name : path + "." + name, t))
            }
        }
        return out
    }
}

/// An indexed list of submodules, named "0", "1", ... as torch.nn.ModuleList, so keys such as
/// `layer1.0.conv1.weight` come out right. It has no forward pass of its own.
public final class ModuleList: Module {
    public private(set) var elements: [any Module]
    public var isTraining = true

    public init(_ elements: [any Module] = []) { self.elements = elements }

    public var ownParameters: [(String, Tensor)] { [] }
    public var children: [(String, any Module)] { elements.enumerated().map { (String($0.offset), $0.element) } }
    public var count: Int { elements.count }
    public subscript(index: Int) -> any Module { elements[index] }

    public func append(_ module: any Module) { elements.append(module) }
}
