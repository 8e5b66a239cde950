// Atomic file output: every file Warbler writes goes to a temporary sibling first and is renamed
// into place only when complete, so an interrupted or failed run never leaves a half-written file.
import Foundation

/// An error from writing or reading a file, phrased as one sentence that names the file.
public struct FileError: Error, CustomStringConvertible, LocalizedError, Sendable {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "\(path): \(reason)" }
    public var errorDescription: String? { description }
}

/// A file being written atomically: bytes go to `temporaryPath` (same directory as the
/// destination, so the final rename never crosses file systems); `commit()` renames it into place,
/// `discard()` (or deinit without commit) removes it.
public final class AtomicFile {
    public let destination: String
    public let temporaryPath: String
    private var handle: UnsafeMutablePointer<FILE>?
    private var committed = false
    /// Whether `commit()` waits for the bytes to reach the disk (fsync) before the rename: true
    /// by default. Output that a rerun can remake may turn it off; the rename stays atomic for
    /// other processes and for interrupted runs, and only a power cut or kernel crash within
    /// seconds of the command could leave an older or empty file. (fsync of a 15 MB log-mel
    /// took 47-75 ms on the project VM, a third to a half of `warbler spectrogram`'s process.)
    public var syncsOnCommit = true

    /// Opens a temporary file next to `destination`. The destination's directory must exist.
    public init(destination: String) throws {
        self.destination = destination
        let url = URL(fileURLWithPath: destination)
        let dir = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw FileError(path: destination, reason: "the output directory \(dir) does not exist.")
        }
        let name = url.lastPathComponent
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        temporaryPath = dir + "/." + name + ".tmp-" + suffix
        guard let h = fopen(temporaryPath, "w+b") else {
            throw FileError(path: destination, reason: "cannot create a file there (\(String(cString: strerror(errno)))).")
        }
        handle = h
    }

    deinit {
        if !committed { discard() }
    }

    /// The file-name pattern (fnmatch) of the environment variable WARBLER_SIMULATE_FULL_DISK:
    /// files whose name matches fail to write as on a full disk. For tests of the paths a full
    /// disk takes (the CLI runs in a child process, where no hook can be injected); unset, it
    /// costs nothing.
    static let simulatedFullDisk: String? = ProcessInfo.processInfo.environment["WARBLER_SIMULATE_FULL_DISK"]

    /// Throws the error a full disk would give when `path`'s file name matches
    /// WARBLER_SIMULATE_FULL_DISK (see `simulatedFullDisk`); otherwise does nothing.
    public static func checkSimulatedFault(_ path: String) throws {
        guard let pattern = simulatedFullDisk, !pattern.isEmpty else { return }
        let name = (path as NSString).lastPathComponent
        if fnmatch(pattern, name, 0) == 0 {
            throw FileError(path: path, reason: "writing failed (No space left on device; simulated by WARBLER_SIMULATE_FULL_DISK).")
        }
    }

    /// Appends raw bytes.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let h = handle else { throw FileError(path: destination, reason: "the file is already closed.") }
        try Self.checkSimulatedFault(destination)
        guard bytes.count > 0 else { return }
        if fwrite(bytes.baseAddress, 1, bytes.count, h) != bytes.count {
            throw FileError(path: destination, reason: "writing failed (\(String(cString: strerror(errno)))).")
        }
    }

    public func write(_ data: Data) throws {
        try data.withUnsafeBytes { try write($0) }
    }

    public func write<T>(contentsOf array: [T]) throws {
        try array.withUnsafeBytes { try write($0) }
    }

    /// Overwrites bytes at an absolute offset (used to finish a header once sizes are known),
    /// then returns to the end of the file.
    public func overwrite(at offset: Int, with data: Data) throws {
        guard let h = handle else { throw FileError(path: destination, reason: "the file is already closed.") }
        fseeko(h, off_t(offset), SEEK_SET)
        try write(data)
        fseeko(h, 0, SEEK_END)
    }

    /// Reads bytes back from an absolute offset (used by in-place second passes).
    public func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws {
        guard let h = handle else { throw FileError(path: destination, reason: "the file is already closed.") }
        fflush(h)
        fseeko(h, off_t(offset), SEEK_SET)
        if fread(buffer.baseAddress, 1, buffer.count, h) != buffer.count {
            throw FileError(path: destination, reason: "reading back the temporary file failed.")
        }
    }

    /// Reserves disk space for `bytes` without changing the file's length (Linux fallocate
    /// with FALLOC_FL_KEEP_SIZE), when the final size is known and trustworthy: ext4 then
    /// allocates the blocks once instead of page by page as writes arrive (15 MB written in
    /// 2.7 instead of 3.9 ms on the project VM). Best effort: a file system that cannot, or a
    /// full disk, leaves the writes to fail or succeed as they would have. Unused space is
    /// freed with the file or when it is truncated.
    public func reserve(bytes: Int) {
        guard let h = handle, bytes > 0, let allocate = Self.fallocate else { return }
        _ = allocate(fileno(h), 1 /* FALLOC_FL_KEEP_SIZE */, 0, off_t(bytes))
    }

    /// glibc's fallocate (see `glibc(_:as:)`).
    private static let fallocate = glibc("fallocate", as: (@convention(c) (Int32, Int32, off_t, off_t) -> Int32).self)

    /// A glibc function that the Glibc module does not declare, looked up at run time.
    private static func glibc<Function>(_ name: String, as type: Function.Type) -> Function? {
        guard let symbol = dlsym(nil, name) else { return nil }
        return unsafeBitCast(symbol, to: type)
    }

    /// Seeks to an absolute offset for the next write.
    public func seek(to offset: Int) {
        if let h = handle { fseeko(h, off_t(offset), SEEK_SET) }
    }

    /// Flushes, syncs (unless `syncsOnCommit` is off) and renames the temporary file onto the
    /// destination.
    public func commit() throws {
        guard let h = handle else { throw FileError(path: destination, reason: "the file is already closed.") }
        do { try Self.checkSimulatedFault(destination) } catch { discard(); throw error }
        handle = nil
        let flushed = fflush(h) == 0 && (!syncsOnCommit || fsync(fileno(h)) == 0)
        let closed = fclose(h) == 0
        guard flushed && closed else {
            unlink(temporaryPath)
            throw FileError(path: destination, reason: "finishing the file failed (\(String(cString: strerror(errno)))).")
        }
        // Temporary files are created 0600 by some libcs; give the result ordinary permissions.
        chmod(temporaryPath, 0o644)
        if !syncsOnCommit && Self.exchange(temporaryPath, destination) {
            // The temporary path now holds the previous file: its name goes now, its blocks and
            // cached pages when the last descriptor closes, on another thread (ext4 took ~2-4 ms
            // to free a 15 MB log-mel, which the command would otherwise wait for). Should the
            // process end first, the kernel frees them as it closes the descriptor.
            let previous = open(temporaryPath, O_RDONLY | O_CLOEXEC)
            unlink(temporaryPath)
            if previous >= 0 { DispatchQueue.global(qos: .utility).async { close(previous) } }
            committed = true
            return
        }
        if rename(temporaryPath, destination) != 0 {
            let why = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw FileError(path: destination, reason: "cannot move the finished file into place (\(why)).")
        }
        committed = true
    }

    /// Swaps `path` and an existing regular file `destination` in one step (Linux renameat2 with
    /// RENAME_EXCHANGE); false when there is nothing to swap with or the file system cannot.
    /// Replacing a file by rename makes ext4 write the new file's data out at once (its
    /// auto_da_alloc safeguard for files that were not synced), which cost a 15 MB spectrogram
    /// ~7 ms; the swap does not, and is as atomic. Only for outputs written without fsync.
    static func exchange(_ path: String, _ destination: String) -> Bool {
        var st = stat()
        guard lstat(destination, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, let swap = renameExchange else { return false }
        return swap(AT_FDCWD, path, AT_FDCWD, destination, 2 /* RENAME_EXCHANGE */) == 0
    }

    /// glibc's renameat2 (see `glibc(_:as:)`).
    private static let renameExchange = glibc(
        "renameat2", as: (@convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32).self)

    /// Closes and deletes the temporary file; the destination is untouched.
    public func discard() {
        if let h = handle { fclose(h); handle = nil }
        unlink(temporaryPath)
    }

    /// Writes `data` to `path` atomically in one call.
    public static func write(_ data: Data, to path: String) throws {
        let file = try AtomicFile(destination: path)
        try file.write(data)
        try file.commit()
    }
}
