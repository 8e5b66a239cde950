// Plain causes for the errors of Foundation's file operations. Foundation on Linux describes
// them as "The operation could not be completed. (NSCocoaErrorDomain error 256.)" or
// "The file doesn’t exist.", without the file; this turns them (and errno values) into the few
// words Warbler's one-line errors end with: "no such file or folder", "permission denied",
// "is a folder, not a file", "no space left on the device (disk full)", ...
import Foundation

public enum FileSystemErrors {
    /// The plain cause of an errno value, e.g. "permission denied" for EACCES.
    public static func cause(errno code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file or folder"
        case EACCES, EPERM: return "permission denied"
        case EISDIR: return "is a folder, not a file"
        case ENOTDIR: return "a part of the path is a file, not a folder"
        case ENOSPC: return "no space left on the device (disk full)"
        case EDQUOT: return "disk quota exceeded"
        case EROFS: return "read-only file system"
        case EEXIST: return "already exists"
        case ELOOP: return "symlink loop (too many levels of symbolic links)"
        case ENAMETOOLONG: return "the name is too long"
        case EMFILE, ENFILE: return "too many open files"
        case EFBIG: return "the file is too large for the file system"
        case EIO: return "input/output error (a failing disk or device?)"
        default:
            let text = String(cString: strerror(code))
            return text.prefix(1).lowercased() + text.dropFirst()
        }
    }

    /// The plain cause of an error from a Foundation file operation (CocoaError, NSError in the
    /// Cocoa or POSIX domain, POSIXError), or nil for any other error.
    public static func cause(of error: Error) -> String? {
        if let posix = error as? POSIXError { return cause(errno: posix.code.rawValue) }
        // Only Foundation's own errors: a Swift error bridged to NSError has another domain.
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return cause(errno: Int32(ns.code)) }
        // Cocoa's file errors are codes 0-1023 (a DecodingError, say, bridges to 4864 and up).
        guard ns.domain == NSCocoaErrorDomain, ns.code < 1024 else { return nil }
        // The errno behind it: an NSError in the POSIX domain, or a POSIXError (FileManager's).
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? Error {
            if let posix = underlying as? POSIXError { return cause(errno: posix.code.rawValue) }
            let u = underlying as NSError
            if u.domain == NSPOSIXErrorDomain { return cause(errno: Int32(u.code)) }
        }
        switch CocoaError.Code(rawValue: ns.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: return cause(errno: ENOENT)
        case .fileReadNoPermission, .fileWriteNoPermission: return cause(errno: EACCES)
        case .fileWriteOutOfSpace: return cause(errno: ENOSPC)
        case .fileWriteVolumeReadOnly: return cause(errno: EROFS)
        case .fileWriteFileExists: return cause(errno: EEXIST)
        case .fileReadTooLarge: return "the file is too large to read"
        case .fileReadCorruptFile, .fileReadInapplicableStringEncoding: return "the file cannot be read as text"
        default:
            // Foundation gave no errno (reading a folder memory-mapped, say): look at the file.
            if ns.code < 512, let path = path(of: error), let found = probeForReading(path) { return found }
            return ns.code >= 512 ? "cannot be written" : "cannot be read"
        }
    }

    /// Why `path` cannot be read, found by looking at it: missing, a folder, or not readable.
    static func probeForReading(_ path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return cause(errno: errno) }
        if (st.st_mode & S_IFMT) == S_IFDIR { return cause(errno: EISDIR) }
        if access(path, R_OK) != 0 { return cause(errno: errno) }
        return nil
    }

    /// The file a Foundation error is about, when it says (NSFilePath, NSURL or a move's source).
    public static func path(of error: Error) -> String? {
        let info = (error as NSError).userInfo
        if let p = info[NSFilePathErrorKey] as? String { return p }
        if let u = info[NSURLErrorKey] as? URL, u.isFileURL { return u.path }
        return info["NSSourceFilePathErrorKey"] as? String
    }

    /// "PATH: cause" for an error from a Foundation file operation (or "cause" when it names no
    /// file), nil for any other error.
    public static func describe(_ error: Error) -> String? {
        guard let cause = cause(of: error) else { return nil }
        return path(of: error).map { "\($0): \(cause)" } ?? cause
    }
}
