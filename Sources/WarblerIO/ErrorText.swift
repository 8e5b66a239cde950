// The one-line text of any thrown error, as every command prints it: our own errors already
// name the file and the cause; Foundation's file errors become "PATH: plain cause"
// (FileSystemErrors), not "The operation could not be completed ...".
import Foundation

public enum ErrorText {
    /// The error's text.
    public static func describe(_ error: Error) -> String {
        if let text = FileSystemErrors.describe(error) { return text }
        if let e = error as? LocalizedError, let d = e.errorDescription { return d }
        return String(describing: error)
    }

    /// The text for a failure while processing `file`, starting with the file's name (a
    /// front-end or model error does not know which recording it was working on).
    public static func describe(_ error: Error, file: String) -> String {
        let text = describe(error)
        return text.hasPrefix(file + ":") ? text : "\(file): \(text)"
    }
}
