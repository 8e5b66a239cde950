// Where a tensor's storage lives. A value passed to the code that creates tensors; models never
// name a device themselves.
public enum Device: Hashable, Sendable, CustomStringConvertible, Codable {
    case cpu
    case cuda(Int)

    public var description: String {
        switch self {
        case .cpu: "cpu"
        case .cuda(let i): "cuda:\(i)"
        }
    }

    /// Parses "cpu", "cuda", "cuda:1".
    public init?(name: String) {
        let n = name.lowercased()
        if n == "cpu" { self = .cpu; return }
        if n == "cuda" { self = .cuda(0); return }
        if n.hasPrefix("cuda:"), let i = Int(n.dropFirst(5)), i >= 0 { self = .cuda(i); return }
        return nil
    }
}
