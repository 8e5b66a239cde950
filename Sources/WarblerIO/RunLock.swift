// One run per output folder: an advisory lock (flock) on `<folder>/.warbler.lock`, held for the
// life of the process, so two runs can never mix their outputs in one folder. The lock file holds
// the holder's pid for the refusal message; the kernel drops the lock when the holder exits
// however it ends (SIGKILL included), so a stale lock file never blocks a later run.
// With the lock held, `removeStaleTemporaryFiles` clears what a killed run left behind.
import Foundation
#if canImport(Glibc)
    import Glibc
#endif

public final class RunLock {
    public let folder: String
    public var path: String { folder + "/" + Self.fileName }
    public static let fileName = ".warbler.lock"
    private var descriptor: Int32

    /// Takes the lock of `folder` (created if needed) without waiting; throws, naming the folder
    /// and the holder's pid, when another run holds it.
    public init(folder: String) throws {
        self.folder = folder
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw FileError(path: folder, reason: "cannot create the output folder: \(FileSystemErrors.cause(of: error) ?? String(describing: error)).")
        }
        let lockPath = folder + "/" + Self.fileName
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw FileError(path: lockPath, reason: "cannot open the lock file (\(String(cString: strerror(errno)))).")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let busy = errno == EWOULDBLOCK
            let why = String(cString: strerror(errno))
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            guard busy else { throw FileError(path: lockPath, reason: "cannot take the lock (\(why)).") }
            let pid = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
            throw RunLockBusy(folder: folder, pid: pid.isEmpty ? "?" : pid)
        }
        descriptor = fd
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
    }

    deinit { release() }

    /// Drops the lock (the file stays: removing it could let a third run lock a different file).
    public func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    /// Whether `name` is a temporary file of Warbler's writers: AtomicFile's `.<name>.tmp-<id>`
    /// and SQLite's `<name>.tmp-<pid>` (with its `-journal`).
    public static func isTemporaryName(_ name: String) -> Bool { name.contains(".tmp-") }

    /// Removes temporary files a killed run left in the folder and its subfolders (except those
    /// in `skipping`, e.g. a shared cache); call only while holding the lock. Returns the paths.
    @discardableResult
    public func removeStaleTemporaryFiles(skipping: Set<String> = []) -> [String] {
        var removed: [String] = []
        let fm = FileManager.default
        var pending = [folder]
        while let dir = pending.popLast() {
            guard let names = try? fm.contentsOfDirectory(atPath: dir) else { continue }
            for name in names.sorted() {
                let path = dir + "/" + name
                // Links are not followed (attributesOfItem does not resolve them).
                guard let type = (try? fm.attributesOfItem(atPath: path))?[.type] as? FileAttributeType else { continue }
                if type == .typeDirectory {
                    if !skipping.contains(name) && pending.count < 10_000 { pending.append(path) }
                } else if type == .typeRegular, Self.isTemporaryName(name), unlink(path) == 0 {
                    removed.append(path)
                }
            }
        }
        return removed
    }
}

/// Another process holds the folder's lock.
public struct RunLockBusy: Error, CustomStringConvertible, LocalizedError, Sendable {
    public let folder: String
    /// The holder's pid as its lock file gives it ("?" when unreadable).
    public let pid: String
    public var description: String {
        "\(folder) is in use by another warbler run (pid \(pid)); wait for it to end or choose another output folder"
    }
    public var errorDescription: String? { description }
}
