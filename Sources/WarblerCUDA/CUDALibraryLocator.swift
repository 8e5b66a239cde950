// Where the CUDA libraries are looked for, and which file is picked: the newest version of each
// (highest numbers after `.so.`) found in $CUDA_HOME/lib64 (and $CUDA_PATH, /usr/local/cuda),
// the system library folders (LD_LIBRARY_PATH and the usual multiarch folders), and every
// `site-packages/nvidia/*/lib` folder of the Python installs on the machine (the `sys.path` of
// `python3` when there is one, plus /usr/local/lib/python3*/dist-packages,
// /usr/lib/python3/dist-packages, /opt/*/.venv/lib/python3*/site-packages and ~/.local), which
// is where PyTorch users' pip-installed `nvidia-*` packages put them (CUDA 13: nvidia/cu13/lib).
// $WARBLER_CUDA_PATH replaces all of these with its own folders (the driver, libcuda.so.1, is
// still asked of the system loader first).
import Foundation

/// One library file found on disk.
public struct LibraryCandidate: Sendable, Equatable {
    public let path: String
    /// The numbers after `.so.` (libcublas.so.13.1.0 -> [13, 1, 0]); empty for a bare `.so`.
    public let version: [Int]
}

public struct CUDALibraryLocator: Sendable {
    /// Folders searched, in order of preference for equal versions.
    public let folders: [String]

    public init(folders: [String]) { self.folders = folders }

    /// The standard search: CUDA_HOME, system folders, Python packages; or only the folders in
    /// $WARBLER_CUDA_PATH (colon-separated) when that is set.
    public static func standard() -> CUDALibraryLocator {
        var folders: [String] = []
        let env = ProcessInfo.processInfo.environment
        if let only = env["WARBLER_CUDA_PATH"], !only.isEmpty {
            return CUDALibraryLocator(folders: only.split(separator: ":").map(String.init))
        }
        for key in ["CUDA_HOME", "CUDA_PATH"] { if let h = env[key], !h.isEmpty { folders += [h + "/lib64", h + "/lib"] } }
        folders.append("/usr/local/cuda/lib64")
        if let ld = env["LD_LIBRARY_PATH"] { folders += ld.split(separator: ":").map(String.init) }
        folders += ["/usr/local/nvidia/lib64", "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/local/lib", "/usr/lib/wsl/lib"]
        for site in pythonSitePackages() {
            folders += subfolders(of: site + "/nvidia").map { $0 + "/lib" }
        }
        var seen = Set<String>()
        let existing = folders.filter { f in
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: f, isDirectory: &isDir) && isDir.boolValue && seen.insert(f).inserted
        }
        return CUDALibraryLocator(folders: existing)
    }

    /// Python package folders: python3's sys.path (when python3 runs) plus the usual globs.
    static func pythonSitePackages() -> [String] {
        var sites: [String] = []
        let fm = FileManager.default
        for python in ["python3", "/opt/torch/.venv/bin/python3"] {
            if let out = run(python, ["-c", "import sys; print('\\n'.join(p for p in sys.path if p))"]) {
                sites += out.split(separator: "\n").map(String.init).filter { $0.hasSuffix("-packages") }
            }
        }
        let home = fm.homeDirectoryForCurrentUser.path
        for (root, tail) in [("/usr/local/lib", "dist-packages"), ("/usr/lib", "dist-packages"), (home + "/.local/lib", "site-packages")] {
            sites += subfolders(of: root).filter { URL(fileURLWithPath: $0).lastPathComponent.hasPrefix("python3") }.map { $0 + "/" + tail }
        }
        sites.append("/usr/lib/python3/dist-packages")
        for venvRoot in subfolders(of: "/opt") {
            sites += subfolders(of: venvRoot + "/.venv/lib").filter { URL(fileURLWithPath: $0).lastPathComponent.hasPrefix("python3") }
                .map { $0 + "/site-packages" }
        }
        return sites
    }

    /// Output of a program found on PATH (or at an absolute path), nil if it cannot run or fails.
    static func run(_ program: String, _ arguments: [String]) -> String? {
        let p = Process()
        if program.hasPrefix("/") {
            guard FileManager.default.isExecutableFile(atPath: program) else { return nil }
            p.executableURL = URL(fileURLWithPath: program)
            p.arguments = arguments
        } else {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = [program] + arguments
        }
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }

    static func subfolders(of path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
    }

    /// Every file named `<stem>.so.<numbers>` in the folders, newest first (ties: folder order).
    public func candidates(_ stem: String) -> [LibraryCandidate] {
        var found: [(LibraryCandidate, Int)] = []
        for (rank, folder) in folders.enumerated() {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                guard let version = Self.version(of: name, stem: stem) else { continue }
                found.append((LibraryCandidate(path: folder + "/" + name, version: version), rank))
            }
        }
        return found.sorted { a, b in
            a.0.version != b.0.version ? Self.newer(a.0.version, b.0.version) : a.1 < b.1
        }.map(\.0)
    }

    /// The newest file of `stem` in `folder` only (for companions that must match a library).
    public func newest(_ stem: String, in folder: String) -> LibraryCandidate? {
        CUDALibraryLocator(folders: [folder]).candidates(stem).first
    }

    /// The version numbers of `name` if it is `<stem>.so.<n>[.<n>...]`, else nil.
    static func version(of name: String, stem: String) -> [Int]? {
        let prefix = stem + ".so."
        guard name.hasPrefix(prefix) else { return nil }
        let parts = name.dropFirst(prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        let numbers = parts.compactMap { Int($0) }
        return numbers.count == parts.count && !numbers.isEmpty ? numbers : nil
    }

    /// Whether version a is higher than b ([13] < [13, 0, 1]).
    static func newer(_ a: [Int], _ b: [Int]) -> Bool {
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i] : -1, y = i < b.count ? b[i] : -1
            if x != y { return x > y }
        }
        return false
    }
}
