// Misuse of the engine (mismatched shapes, bad axes) reported as one sentence naming the op and
// the shapes involved, not a crash.
public struct TensorError: Error, CustomStringConvertible, Sendable {
    public let op: String
    public let message: String

    public init(_ op: String, _ message: String) {
        self.op = op
        self.message = message
    }

    public var description: String { "\(op): \(message)" }
}
