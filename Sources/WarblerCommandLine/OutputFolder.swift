// Output folders checked before any work: made when missing, refused with one plain sentence
// when the path is a file or cannot be written (instead of a raw NSCocoaErrorDomain error at
// the end of a long run). Every command that writes files goes through here: folders given as
// options (`detect --out`, `spectrogram --out-dir`, `train --out`) and the folders of output
// files (`predict --out`, `model init --out`, `evaluate --json`, `spectrogram --out/--png`, ...).
import Foundation
import WarblerIO

public enum OutputFolder {
    /// Creates `path` (and its parents) if needed and checks that files can be made in it.
    /// Errors read "PATH: is a file, not a folder (OPTION names a folder)",
    /// "PATH: cannot be made: ANCESTOR is a file, not a folder",
    /// "PATH: cannot write into this folder: permission denied". `file`: the output file the
    /// folder is for, when the option names a file.
    public static func prepare(_ path: String, option: String, file: String? = nil) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else {
                throw OutputFolderError("\(path): is a file, not a folder (" + (file.map { "the folder of \(option) \($0)" } ?? option) + ")")
            }
        } else {
            // Find the deepest existing ancestor to say what is wrong with it.
            var ancestor = PathText.parent(path)
            while !ancestor.isEmpty && !FileManager.default.fileExists(atPath: ancestor, isDirectory: &isDir) {
                ancestor = PathText.parent(ancestor)
            }
            if !ancestor.isEmpty && !isDir.boolValue {
                throw OutputFolderError("\(path): cannot be made: \(ancestor) is a file, not a folder")
            }
            do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
                throw OutputFolderError("\(path): cannot be created: \(FileSystemErrors.cause(of: error) ?? "permission denied")")
            }
        }
        guard access(path, W_OK | X_OK) == 0 else {
            throw OutputFolderError("\(path): cannot write into this folder: \(errno == EROFS ? "read-only file system" : "permission denied")")
        }
    }

    /// Prepares the folder that the output file `path` (given as `option`) goes into.
    public static func prepareParent(of path: String, option: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw OutputFolderError("\(path): is a folder, not a file (\(option) names a file)")
        }
        let folder = PathText.parent(path)
        try prepare(folder.isEmpty ? "." : folder, option: option, file: path)
    }
}

public struct OutputFolderError: Error, LocalizedError, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}
