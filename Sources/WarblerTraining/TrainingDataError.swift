// The errors and warnings of training-data preparation: each one sentence that names the file
// or option and the cause, so a run stops (or skips a file) with a message a user can act on.
import Foundation

/// A problem that stops training before any work starts: a bad manifest, an unknown label, an
/// empty class, a bad configuration.
public struct TrainingDataError: Error, CustomStringConvertible, LocalizedError, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}

/// A manifest row that was skipped (missing or undecodable audio). Reported once, then left out.
public struct SkippedFile: Sendable, Equatable, CustomStringConvertible {
    /// The audio file's path as resolved against the audio root.
    public let path: String
    /// Why it was skipped, one sentence.
    public let cause: String
    public init(path: String, cause: String) {
        self.path = path
        self.cause = cause
    }
    public var description: String { "skipped \(path): \(cause)" }
}
