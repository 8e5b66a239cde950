// Manifest readers for the layouts users already have: BirdCLEF's `train.csv`, Cornell 2020's
// `train.csv`, and a folder per species. Each resolves file names against an audio root.
import Foundation
import WarblerIO

extension Manifest {
    /// Audio file extensions a folder-per-species tree is scanned for (lower case).
    public static let audioExtensions: Set<String> = ["wav", "flac", "ogg", "oga", "opus", "mp3", "aiff", "aif"]

    /// BirdCLEF (2021-2024) `train.csv`: `primary_label`, `secondary_labels` as a Python list
    /// (`"['a', 'b']"` or `"[]"`), `filename` relative to `audioRoot`; other columns ignored.
    public static func birdCLEF(
        csv path: String, audioRoot: String, classes: ClassList? = nil,
        ignoreUnknownSecondaryLabels: Bool = false
    ) throws -> Manifest {
        let table = try readTable(path)
        let p = try table.column("primary_label", path: path)
        let s = try table.column("secondary_labels", path: path)
        let f = try table.column("filename", path: path)
        var entries: [ManifestEntry] = []
        for (n, row) in table.rows.enumerated() {
            let secondary: [String]
            do { secondary = try parsePythonList(row[s]) } catch let e as TrainingDataError {
                throw TrainingDataError("\(path), line \(n + 2): \(e.message)")
            }
            try requireNonEmpty(row[p], column: "primary_label", line: n + 2, path: path)
            try requireNonEmpty(row[f], column: "filename", line: n + 2, path: path)
            try requireInsideRoot(row[f], column: "filename", line: n + 2, path: path)
            entries.append(ManifestEntry(path: resolve(row[f], root: audioRoot), primaryLabel: row[p], secondaryLabels: secondary))
        }
        return try Manifest(entries: entries, classes: classes, source: path, ignoreUnknownSecondaryLabels: ignoreUnknownSecondaryLabels)
    }

    /// Cornell Birdcall Identification (2020) `train.csv`: `ebird_code` and `filename`, the file
    /// found at `<audioRoot>/<ebird_code>/<filename>`; other columns ignored. No secondary
    /// labels are read (Cornell's are common names, not eBird codes).
    public static func cornell(csv path: String, audioRoot: String, classes: ClassList? = nil) throws -> Manifest {
        let table = try readTable(path)
        let c = try table.column("ebird_code", path: path)
        let f = try table.column("filename", path: path)
        var entries: [ManifestEntry] = []
        for (n, row) in table.rows.enumerated() {
            try requireNonEmpty(row[c], column: "ebird_code", line: n + 2, path: path)
            try requireNonEmpty(row[f], column: "filename", line: n + 2, path: path)
            try requireInsideRoot(row[c], column: "ebird_code", line: n + 2, path: path)
            try requireInsideRoot(row[f], column: "filename", line: n + 2, path: path)
            entries.append(ManifestEntry(path: resolve(row[c] + "/" + row[f], root: audioRoot), primaryLabel: row[c]))
        }
        return try Manifest(entries: entries, classes: classes, source: path)
    }

    /// A folder per species: every subfolder of `root` is a label, and every file in it (not
    /// recursing further) whose extension is in `audioExtensions` is a recording of it. Hidden
    /// entries are ignored; an empty species folder stops with an error.
    public static func folders(root: String, classes: ClassList? = nil) throws -> Manifest {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
            throw TrainingDataError("\(root): the audio folder does not exist.")
        }
        let labels = try fm.contentsOfDirectory(atPath: root).filter { name in
            var d: ObjCBool = false
            return !name.hasPrefix(".") && fm.fileExists(atPath: root + "/" + name, isDirectory: &d) && d.boolValue
        }
        guard !labels.isEmpty else { throw TrainingDataError("\(root) has no species subfolders (expected <root>/<label>/<audio files>).") }
        var entries: [ManifestEntry] = []
        for label in labels.sorted() {
            let dir = root + "/" + label
            let files = try fm.contentsOfDirectory(atPath: dir).filter {
                !$0.hasPrefix(".") && audioExtensions.contains(($0 as NSString).pathExtension.lowercased())
            }.sorted()
            guard !files.isEmpty else {
                throw TrainingDataError("\(dir): the class '\(label)' has no audio files (extensions: \(audioExtensions.sorted().joined(separator: ", "))).")
            }
            entries += files.map { ManifestEntry(path: dir + "/" + $0, primaryLabel: label) }
        }
        return try Manifest(entries: entries, classes: classes ?? ClassList(labels), source: root)
    }

    /// Parses a Python list literal of strings as BirdCLEF writes it: `[]`, `['a']`,
    /// `['a', "b's"]`. Throws a sentence for anything else.
    public static func parsePythonList(_ text: String) throws -> [String] {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return [] }
        guard t.hasPrefix("["), t.hasSuffix("]") else {
            throw TrainingDataError("secondary_labels '\(text)' is not a Python list such as ['a', 'b'] or [].")
        }
        var items: [String] = []
        var chars = Array(t.dropFirst().dropLast())[...]
        func skipSpaces() { while let c = chars.first, c == " " { chars.removeFirst() } }
        skipSpaces()
        while !chars.isEmpty {
            guard let quote = chars.first, quote == "'" || quote == "\"" else {
                throw TrainingDataError("secondary_labels '\(text)' holds an unquoted item.")
            }
            chars.removeFirst()
            guard let end = chars.firstIndex(of: quote) else {
                throw TrainingDataError("secondary_labels '\(text)' has an unclosed quote.")
            }
            items.append(String(chars[chars.startIndex..<end]))
            chars = chars[(end + 1)...]
            skipSpaces()
            if let c = chars.first {
                guard c == "," else { throw TrainingDataError("secondary_labels '\(text)' is missing a comma between items.") }
                chars.removeFirst()
                skipSpaces()
            }
        }
        return items
    }

    private static func readTable(_ path: String) throws -> CSVTable {
        do { return try CSV.read(path) } catch let e as FileError { throw TrainingDataError(e.description) }
    }

    /// A manifest names files under --audio-root: an absolute name or a `..` component would
    /// reach outside it (a downloaded manifest must not make training read any file it likes).
    static func requireInsideRoot(_ value: String, column: String, line: Int, path: String) throws {
        if value.hasPrefix("/") || value.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
            throw TrainingDataError(
                "\(path), line \(line): the '\(column)' field '\(value)' points outside --audio-root (absolute or with '..'); manifest paths must be relative to it."
            )
        }
    }

    private static func requireNonEmpty(_ value: String, column: String, line: Int, path: String) throws {
        if value.trimmingCharacters(in: .whitespaces).isEmpty {
            throw TrainingDataError("\(path), line \(line): the '\(column)' field is empty.")
        }
    }
}
