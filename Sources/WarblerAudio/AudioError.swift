// The errors of audio input, each one sentence naming the file and the cause.
import Foundation

public struct AudioError: Error, CustomStringConvertible, LocalizedError, Sendable {
    public enum Kind: Sendable {
        case missing, empty, unreadable, unsupportedFormat, corrupt, truncated, invalidOption
    }
    public let kind: Kind
    public let path: String
    public let detail: String

    public init(_ kind: Kind, path: String, _ detail: String) {
        self.kind = kind
        self.path = path
        self.detail = detail
    }

    public var description: String { "\(path): \(detail)" }
    public var errorDescription: String? { description }
}
