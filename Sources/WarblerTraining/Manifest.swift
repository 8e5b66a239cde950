// A training manifest: labelled audio files resolved against an audio root, with the class
// list they define. Readers for the formats users already have live in Manifest+*.swift.
import Foundation

/// One labelled recording.
public struct ManifestEntry: Codable, Sendable, Equatable {
    /// Absolute (or root-joined) path of the audio file.
    public var path: String
    /// The species the recording is filed under.
    public var primaryLabel: String
    /// Other species audible in it (BirdCLEF's `secondary_labels`); may be empty.
    public var secondaryLabels: [String]

    public init(path: String, primaryLabel: String, secondaryLabels: [String] = []) {
        self.path = path
        self.primaryLabel = primaryLabel
        self.secondaryLabels = secondaryLabels
    }
}

/// Labelled recordings and their classes. Rows whose audio file is missing are left out and
/// listed in `skipped` (report each once); every other problem throws before any work.
public struct Manifest: Sendable {
    public var entries: [ManifestEntry]
    public var classes: ClassList
    /// Rows left out, with the cause.
    public var skipped: [SkippedFile]

    /// Checks labels against `classes` (default: the set of primary labels) and drops rows whose
    /// file does not exist. Throws for an unknown label or a class left without files.
    /// - Parameter ignoreUnknownSecondaryLabels: drop secondary labels that are not classes
    ///   instead of stopping (real BirdCLEF data names species that never occur as primary).
    public init(
        entries: [ManifestEntry], classes: ClassList? = nil, source: String,
        ignoreUnknownSecondaryLabels: Bool = false
    ) throws {
        guard !entries.isEmpty else { throw TrainingDataError("\(source) lists no recordings.") }
        let classes = classes ?? ClassList(entries.map(\.primaryLabel))
        var kept: [ManifestEntry] = []
        var skipped: [SkippedFile] = []
        for var e in entries {
            guard classes.index(of: e.primaryLabel) != nil else {
                throw TrainingDataError("\(source): '\(e.primaryLabel)' (for \(e.path)) is not in the class list.")
            }
            if let bad = e.secondaryLabels.first(where: { classes.index(of: $0) == nil }) {
                if !ignoreUnknownSecondaryLabels {
                    throw TrainingDataError(
                        "\(source): the secondary label '\(bad)' of \(e.path) is not one of the \(classes.count) classes (pass --ignore-unknown-secondary-labels to drop such labels)."
                    )
                }
                e.secondaryLabels.removeAll { classes.index(of: $0) == nil }
            }
            e.secondaryLabels.removeAll { $0 == e.primaryLabel }
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: e.path, isDirectory: &isDir), !isDir.boolValue {
                kept.append(e)
            } else {
                skipped.append(SkippedFile(path: e.path, cause: "the file does not exist"))
            }
        }
        self.entries = kept
        self.classes = classes
        self.skipped = skipped
        try Manifest.requireEveryClass(kept, classes: classes, source: source)
    }

    /// Throws, naming the first class with no recording, when one is left empty.
    static func requireEveryClass(_ entries: [ManifestEntry], classes: ClassList, source: String) throws {
        var counts = [Int](repeating: 0, count: classes.count)
        for e in entries { counts[classes.index(of: e.primaryLabel)!] += 1 }
        if let k = counts.firstIndex(of: 0) {
            throw TrainingDataError("\(source): the class '\(classes[k])' has no usable recording (every class needs at least one file).")
        }
    }

    /// The same manifest without the entries at `paths` (e.g. files that failed to decode),
    /// which are added to `skipped` with their causes. Throws when a class is left empty.
    public func removing(_ failures: [SkippedFile], source: String) throws -> Manifest {
        let bad = Set(failures.map(\.path))
        var m = self
        m.entries = entries.filter { !bad.contains($0.path) }
        m.skipped += failures
        try Manifest.requireEveryClass(m.entries, classes: classes, source: source)
        return m
    }

    /// The multi-hot label vector of `entry`: 1 for the primary label, `secondaryValue` for
    /// each secondary label, 0 elsewhere; length `classes.count`.
    public func labelVector(_ entry: ManifestEntry, secondaryValue: Float = 1) -> [Float] {
        var v = [Float](repeating: 0, count: classes.count)
        for s in entry.secondaryLabels { if let k = classes.index(of: s) { v[k] = max(v[k], secondaryValue) } }
        v[classes.index(of: entry.primaryLabel)!] = 1
        return v
    }

    /// Joins a manifest's relative file name to the audio root (the readers refuse absolute
    /// names and `..` before this; an absolute name would be kept).
    static func resolve(_ name: String, root: String) -> String {
        if name.hasPrefix("/") { return name }
        return root.hasSuffix("/") ? root + name : root + "/" + name
    }
}
