// The registry through which a backend module outside WarblerTensor (WarblerCUDA) makes its
// devices reachable: it registers a factory per device kind once its libraries load, and
// `Backends.backend(for: .cuda(i))` then finds it. Models and ops never name a backend; they ask
// for the device's. One backend instance per device, made on first use.
import Foundation

extension Backends {
    /// Makes the backend of one device of a kind, or throws why that device cannot be used.
    public typealias Factory = @Sendable (Device) throws -> Backend

    /// Registers the factory for every `.cuda(i)` device (replacing any earlier one).
    public static func registerCUDA(_ factory: @escaping Factory) {
        registry.register(kind: "cuda", factory)
    }

    static let registry = BackendRegistry()
}

final class BackendRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var factories: [String: Backends.Factory] = [:]
    private var instances: [Device: Backend] = [:]

    static func kind(of device: Device) -> String {
        switch device {
        case .cpu: "cpu"
        case .cuda: "cuda"
        }
    }

    func register(kind: String, _ factory: @escaping Backends.Factory) {
        lock.lock()
        defer { lock.unlock() }
        factories[kind] = factory
        instances = instances.filter { Self.kind(of: $0.key) != kind }
    }

    func backend(for device: Device) throws -> Backend {
        lock.lock()
        defer { lock.unlock() }
        if let b = instances[device] { return b }
        guard let factory = factories[Self.kind(of: device)] else {
            throw TensorError("device", "\(device) is not available: no CUDA backend is registered (link WarblerCUDA and call CUDABackend.register()).")
        }
        let b: Backend
        do { b = try factory(device) } catch { throw TensorError("device", "\(device) is not available: \(error)") }
        instances[device] = b
        return b
    }
}
