// The recordings of a run: files and folders given on the command line become a list of audio
// files, and each file gets its recording id, the path relative to the folder the inputs have in
// common, without the extension ("siteA/20240501_060000"). Recorders that name files by time
// (AudioMoth and others) give equal names in different folders; the relative path tells them
// apart in every table, the report and the journal, and stays the same wherever the archive is
// mounted.
import Foundation
import WarblerIO

public enum AudioInputs {
    /// Extensions read as audio (case-insensitive).
    public static let extensions: Set<String> = ["wav", "flac", "ogg", "opus", "mp3", "aif", "aiff"]

    /// Files and folders (searched recursively for audio by extension) -> files, sorted within
    /// each folder, each once. A missing input stays in the list as a file: it fails on its own
    /// ("no such file"), so the rest of the batch still runs.
    public static func expand(_ inputs: [String]) throws -> [String] {
        var out: [String] = [], seen = Set<String>()
        let fm = FileManager.default
        for input in inputs {
            var isDir: ObjCBool = false
            var files: [String] = []
            if fm.fileExists(atPath: input, isDirectory: &isDir), isDir.boolValue {
                let base = input.hasSuffix("/") ? String(input.dropLast()) : input
                for rel in (fm.enumerator(atPath: base)?.allObjects as? [String] ?? []).sorted()
                where extensions.contains((rel as NSString).pathExtension.lowercased()) && !(rel as NSString).lastPathComponent.hasPrefix(".") {
                    files.append(base + "/" + rel)
                }
            } else {
                files.append(input)
            }
            for f in files where seen.insert(absolute(f)).inserted { out.append(f) }
        }
        return out
    }

    /// The absolute, standardised form of a path (no `.`, `..` or doubled slashes).
    public static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// The deepest folder that holds every file (absolute; "/" at worst).
    public static func commonFolder(_ files: [String]) -> String {
        var common: [String]?
        for f in files {
            let folder = Array(PathText.parent(absolute(f)).split(separator: "/").map(String.init))
            guard let c = common else { common = folder; continue }
            var n = 0
            while n < min(c.count, folder.count) && c[n] == folder[n] { n += 1 }
            common = Array(c.prefix(n))
        }
        return "/" + (common ?? []).joined(separator: "/")
    }

    /// Recording ids of `files` (same order): the path relative to their common folder without
    /// the extension; where two files differ only in the extension ("a.wav", "a.flac") both keep
    /// it. Unique, as the files are.
    public static func recordingIDs(_ files: [String]) -> [String] {
        let root = commonFolder(files)
        let relative = files.map { f -> String in
            let a = absolute(f)
            return root == "/" ? String(a.dropFirst()) : String(a.dropFirst(root.count + 1))
        }
        let stems = relative.map { ($0 as NSString).deletingPathExtension }
        var count: [String: Int] = [:]
        for s in stems { count[s, default: 0] += 1 }
        return zip(relative, stems).map { count[$1]! > 1 ? $0 : $1 }
    }
}
