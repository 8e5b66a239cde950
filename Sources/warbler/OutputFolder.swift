// Output folders checked before any work: made when missing, refused with one plain sentence
// when the path is a file or cannot be written (instead of a raw NSCocoaErrorDomain error at
// the end of a long run).
import Foundation
import WarblerIO

enum OutputFolder {
    /// Creates `path` (and its parents) if needed and checks that files can be made in it.
    /// Errors read "OPTION PATH is not a folder" / "cannot write to PATH: permission denied".
    static func prepare(_ path: String, option: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw OutputFolderError("\(option) \(path) is not a folder (a file of that name exists)") }
        } else {
            // Find the deepest existing ancestor to say what is wrong with it.
            var ancestor = PathText.parent(path)
            while !ancestor.isEmpty && !FileManager.default.fileExists(atPath: ancestor, isDirectory: &isDir) {
                ancestor = PathText.parent(ancestor)
            }
            if !ancestor.isEmpty && !isDir.boolValue {
                throw OutputFolderError("\(option) \(path) cannot be made: \(ancestor) is a file, not a folder")
            }
            do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
                let reason = access(ancestor.isEmpty ? "." : ancestor, W_OK) == 0 ? "it cannot be created" : "permission denied"
                throw OutputFolderError("cannot write to \(path): \(reason)")
            }
        }
        guard access(path, W_OK | X_OK) == 0 else {
            throw OutputFolderError("cannot write to \(path): \(errno == EROFS ? "read-only file system" : "permission denied")")
        }
    }
}

struct OutputFolderError: Error, LocalizedError, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
    var errorDescription: String? { description }
}
