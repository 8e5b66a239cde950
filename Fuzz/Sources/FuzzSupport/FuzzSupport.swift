// What the fuzz targets share: a private scratch folder for readers that take a path, and the
// bounds within which a target's input must be handled (time and memory are capped by libFuzzer:
// scripts/fuzz.sh passes -rss_limit_mb and -timeout).
import CFuzzerDriver
import Foundation

public enum FuzzScratch {
    /// A folder of this process's own, removed at exit.
    public static let directory: String = {
        let dir = NSTemporaryDirectory() + "/warbler-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: FuzzScratch.directory) }
        return dir
    }()

    /// Writes `bytes` to `directory/name` (replacing it) with plain POSIX calls and returns
    /// the path.
    @discardableResult
    public static func write(_ bytes: UnsafeRawBufferPointer, name: String) -> String {
        let path = directory + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "cannot write the fuzz input to \(path)")
        var done = 0
        while done < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + done, bytes.count - done)
            precondition(n > 0, "cannot write the fuzz input to \(path)")
            done += n
        }
        close(fd)
        return path
    }

    public static func write(_ data: Data, name: String) -> String {
        data.withUnsafeBytes { write($0, name: name) }
    }
}

/// The input as `Data` (a copy: readers may keep slices of it).
public func fuzzData(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Data {
    guard let bytes, count > 0 else { return Data() }
    return Data(bytes: bytes, count: count)
}

/// A fuzz target's test function: the input bytes; returns 0.
public typealias FuzzTest = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

/// Runs libFuzzer on `test` with the command line's options and exits with its status.
public func runFuzzer(_ test: FuzzTest) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, test))
}
