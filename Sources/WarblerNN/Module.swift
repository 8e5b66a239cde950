// Module: a layer or model that owns parameters (trainable tensors), buffers (state such as
// running statistics) and child modules. Names follow PyTorch exactly, so the dotted keys of
// `parameters()` and `stateDict()` (`layer1.0.conv1.weight`) equal the keys of the PyTorch
// model's state_dict and a checkpoint loads with no mapping table.
//
// A subclass declares its parts once, as stored properties, and they are found by reflection
// (Mirror), in declaration order, once per instance at first use:
//   a `Tensor`, `Tensor?` or `[Tensor]` property    a parameter
//   a `@Buffer` property                            a buffer
//   a module, optional module or array of modules   a child
// (array elements as `name.0`, `name.1`, ..., as torch's ParameterList and ModuleList)
// under the property's name in snake_case (`runningMean` -> `running_mean`). A subclass whose
// PyTorch names do not follow from its properties (Sequential's indices, the GRU's per-layer
// weights) overrides `ownParameters`, `ownBuffers` or `children`; `unregisteredMembers()` names
// any module or tensor property such an override leaves out (checked by assert in debug builds
// and by the tests of every model). The recursive walks, the training flag and state-dict
// handling (Module+StateDict.swift) come from the extensions.
import WarblerTensor

open class Module {
    /// Training mode (dropout active, batch statistics) versus evaluation mode. Set it for a
    /// whole tree with `train(_:)` / `eval()`.
    public var isTraining = true
    /// The reflected members, built at first use (see `membersChanged()`); the forward passes
    /// never read them, only the walks (parameters, state dicts, train/eval). Like the rest of a
    /// module's state, not for concurrent use.
    private var reflected: ReflectedMembers?

    public init() {}

    /// Parameters held directly by this module, PyTorch names, in registration order.
    open var ownParameters: [(String, Tensor)] { members.parameters }
    /// Buffers held directly by this module (saved in the state dict, never trained).
    open var ownBuffers: [(String, Tensor)] { members.buffers }
    /// Direct submodules with their attribute names (list indices for `ModuleList`).
    open var children: [(String, Module)] { members.children }

    /// Forgets the reflected members; a subclass calls it after reassigning a tensor or module
    /// property (Conv2d gaining a bias when a batch norm is folded into it).
    public final func membersChanged() { reflected = nil }

    /// Keys of the module and tensor properties that neither the module's `children` nor its
    /// `ownParameters` / `ownBuffers` list (compared by identity): empty unless an override
    /// forgot one.
    public final func unregisteredMembers() -> [String] {
        let found = members
        let modules = Set(children.map { ObjectIdentifier($0.1) })
        let tensors = Set((ownParameters + ownBuffers).map { ObjectIdentifier($0.1) })
        return found.children.filter { !modules.contains(ObjectIdentifier($0.1)) }.map(\.0)
            + (found.parameters + found.buffers).filter { !tensors.contains(ObjectIdentifier($0.1)) }.map(\.0)
    }

    private var members: ReflectedMembers {
        if let reflected { return reflected }
        let found = ReflectedMembers(of: self)
        reflected = found
        return found
    }
}

/// Marks a stored tensor property of a module as a buffer (a state-dict entry that is not a
/// parameter, torch's register_buffer), e.g. `@Buffer public private(set) var runningMean: Tensor`.
@propertyWrapper
public struct Buffer {
    public var wrappedValue: Tensor
    public init(wrappedValue: Tensor) { self.wrappedValue = wrappedValue }
}

/// A module's tensors and submodules as its stored properties hold them.
struct ReflectedMembers {
    var parameters: [(String, Tensor)] = []
    var buffers: [(String, Tensor)] = []
    var children: [(String, Module)] = []

    init(of module: Module) {
        // Superclasses first (as their initialisers register first in PyTorch), Module's own
        // bookkeeping excluded.
        var mirrors: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: module)
        while let m = mirror, m.subjectType != Module.self {
            mirrors.append(m)
            mirror = m.superclassMirror
        }
        for m in mirrors.reversed() {
            for case let (label?, value) in m.children { add(Self.key(label), value) }
        }
    }

    private mutating func add(_ key: String, _ value: Any) {
        switch value {
        case let b as Buffer: buffers.append((key, b.wrappedValue))
        case let t as Tensor: parameters.append((key, t))
        case let list as [Tensor]: parameters += list.enumerated().map { (key + "." + String($0.offset), $0.element) }
        case let m as Module: children.append((key, m))
        case let list as [Module]: children += list.enumerated().map { (key + "." + String($0.offset), $0.element) }
        default: break
        }
    }

    /// The property's name as PyTorch spells attributes: `runningMean` -> `running_mean`, and a
    /// property wrapper's storage `_runningMean` under its property's name.
    static func key(_ label: String) -> String {
        var out = ""
        for c in label.drop(while: { $0 == "_" }) {
            if c.isUppercase {
                out += "_" + c.lowercased()
            } else {
                out.append(c)
            }
        }
        return out
    }
}

extension Module {
    /// This module and every descendant with its dotted path ("" for this one), depth first,
    /// in registration order (torch.nn.Module.named_modules). A module reachable twice is
    /// listed once.
    public func modules() -> [(String, Module)] {
        walk(unique: true)
    }

    /// The module tree depth first; with `unique` false a module reachable under two names is
    /// visited under both (as state_dict does). A module containing itself is never re-entered.
    func walk(unique: Bool) -> [(String, Module)] {
        var seen = Set<ObjectIdentifier>()
        var ancestors = Set<ObjectIdentifier>()
        var out: [(String, Module)] = []
        func visit(_ m: Module, _ path: String) {
            let id = ObjectIdentifier(m)
            guard !ancestors.contains(id), !unique || seen.insert(id).inserted else { return }
            assert(
                m.unregisteredMembers().isEmpty,
                "\(type(of: m)) at '\(path)' leaves \(m.unregisteredMembers()) out of children/ownParameters/ownBuffers")
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
    func collect(_ kind: (Module) -> [(String, Tensor)], unique: Bool) -> [(String, Tensor)] {
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
    public private(set) var elements: [Module]

    public init(_ elements: [Module] = []) { self.elements = elements }

    public override var children: [(String, Module)] { elements.enumerated().map { (String($0.offset), $0.element) } }
    public var count: Int { elements.count }
    public subscript(index: Int) -> Module { elements[index] }

    public func append(_ module: Module) { elements.append(module) }
}
