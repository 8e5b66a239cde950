// `--files-from LIST`: recordings named in a text file, one path a line, as people keep
// manifests of their archives. Built for millions of lines: the list is read once, each path is
// made absolute and standardised by plain byte arithmetic (no Foundation URL per path, no file
// system access: the files need not exist here, and a shard must not stat the files of others),
// and the recording ids and shard assignment (InputSelection) work on these strings without
// keeping more than the paths themselves.
import Foundation

public enum FileList {
    /// The paths of `list` in order, each once (the first time it appears), absolute and
    /// standardised (no ".", ".." or doubled slashes); relative paths are relative to `cwd`.
    /// Blank lines and lines whose first non-blank character is '#' are skipped; a line's
    /// trailing "\r" (a list written on Windows) is dropped, other spaces are part of the path.
    public static func read(_ list: String, cwd: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: list) else {
            var isDir: ObjCBool = false
            let why =
                FileManager.default.fileExists(atPath: list, isDirectory: &isDir)
                ? (isDir.boolValue ? "a folder, not a list of files" : "not readable") : "no such file"
            throw DetectError("\(list): cannot read the list of recordings (\(why))")
        }
        let base = Array(standardize(Array(cwd.utf8), cwd: []).utf8)
        var paths: [String] = [], seen = Set<String>()
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0, lineNumber = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                lineNumber += 1
                var stop = end
                if stop > start && bytes[stop - 1] == 0x0D { stop -= 1 }
                let line = UnsafeBufferPointer(rebasing: bytes[start..<stop])
                start = end + 1
                guard let first = line.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }), line[first] != 0x23 else { continue }
                if line.contains(0) { throw DetectError("\(list): line \(lineNumber) holds a NUL byte (not a list of paths)") }
                guard String(validating: line, as: UTF8.self) != nil else {
                    throw DetectError("\(list): line \(lineNumber) is not UTF-8 text")
                }
                let path = standardize(Array(line), cwd: base)
                if seen.insert(path).inserted { paths.append(path) }
            }
        }
        return paths
    }

    /// `path` made absolute against `cwd` (itself absolute and standardised; empty when `path`
    /// is known to be absolute) with ".", ".." and empty components removed, as
    /// `URL(fileURLWithPath:).standardizedFileURL.path` gives it for plain paths (".." at the
    /// root stays at the root); without a trailing slash.
    public static func standardize(_ path: [UInt8], cwd: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(cwd.count + path.count + 1)
        var marks: [Int] = []  // where each component's "/" is in `out`
        func add(_ segment: ArraySlice<UInt8>) {
            if segment.isEmpty || (segment.count == 1 && segment.first == 0x2E) { return }
            if segment.count == 2 && segment.first == 0x2E && segment.last == 0x2E {
                if let m = marks.popLast() { out.removeSubrange(m...) }
                return
            }
            marks.append(out.count)
            out.append(0x2F)
            out.append(contentsOf: segment)
        }
        func addAll(_ p: [UInt8]) {
            var s = 0
            for i in 0...p.count where i == p.count || p[i] == 0x2F {
                add(p[s..<i])
                s = i + 1
            }
        }
        if path.first != 0x2F { addAll(cwd) }
        addAll(path)
        return out.isEmpty ? "/" : String(decoding: out, as: UTF8.self)
    }
}
