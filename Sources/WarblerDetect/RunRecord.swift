// run.json: what made the files in a detection output folder. The Warbler version, the command
// line and working folder, the checkpoint (absolute path, size and SHA-256), every setting and
// threshold, each recording (id, absolute path, whether it was detected, reused from the journal
// or failed) and the files written. A run into a folder that holds an earlier run's record
// removes the files that record lists and this run did not write again (a format dropped, a
// recording no longer among the inputs), so what is in the folder is what run.json says, and
// files it did not list (the user's own) are never touched.
import Foundation
import WarblerIO

public struct RunRecord: Codable, Sendable, Equatable {
    public struct Checkpoint: Codable, Sendable, Equatable {
        public var path: String
        public var bytes: Int64
        public var sha256: String
        public init(path: String) throws {
            self.path = AudioInputs.absolute(path)
            bytes = ((try FileManager.default.attributesOfItem(atPath: path))[.size] as? NSNumber)?.int64Value ?? 0
            sha256 = try SHA256.file(path)
        }
    }

    public struct Recording: Codable, Sendable, Equatable {
        public var id: String
        public var path: String
        /// detected, reused (from the journal: scores of an earlier run, events of this one) or failed.
        public var status: String
        public var reason: String?
        /// The report's files for this recording (relative to the output folder).
        public var reportFiles: [String]?
        /// The recording's index in the whole input list (sharded runs; merge orders by it).
        public var index: Int?
        public init(id: String, path: String, status: String, reason: String? = nil) {
            (self.id, self.path, self.status, self.reason) = (id, AudioInputs.absolute(path), status, reason)
        }
    }

    public var warbler = WarblerVersion.string
    public var command: [String]
    public var workingDirectory: String
    public var started: String
    public var finished: String
    public var checkpoint: Checkpoint
    public var settings: DetectConfig
    public var classes: [String]
    public var thresholds: [Float]
    /// Where the thresholds came from (--threshold, a file, the checkpoint, the default).
    public var thresholdSource: String
    public var topK: Int?
    public var device: String
    /// The folder the recording ids are relative to.
    public var inputRoot: String
    public var recordings: [Recording]
    /// Paths relative to the output folder, sorted.
    public var files: [String]
    /// This run's shard of a larger run (--shard), what `warbler merge` needs (InputSelection.swift).
    public var shard: ShardRecord?

    public init(
        command: [String], started: Date, checkpoint: Checkpoint, settings: DetectConfig, policy: LabelPolicy,
        thresholdSource: String, device: String, inputRoot: String, recordings: [Recording], files: [String]
    ) {
        self.command = command
        workingDirectory = FileManager.default.currentDirectoryPath
        self.started = RunRecord.timestamp(started)
        finished = RunRecord.timestamp(Date())
        self.checkpoint = checkpoint
        self.settings = settings
        classes = policy.classes
        thresholds = policy.thresholds
        topK = policy.topK
        self.thresholdSource = thresholdSource
        self.device = device
        self.inputRoot = inputRoot
        self.recordings = recordings
        self.files = files.sorted()
    }

    public static let fileName = "run.json"

    /// ISO 8601 in UTC, to the second.
    public static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    /// The record in `folder`, if there is a readable one.
    public static func read(folder: String) -> RunRecord? {
        guard let data = FileManager.default.contents(atPath: folder + "/" + fileName) else { return nil }
        return try? JSONDecoder().decode(RunRecord.self, from: data)
    }

    /// Writes the record atomically into `folder`.
    public func write(folder: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try e.encode(self), to: folder + "/" + RunRecord.fileName)
    }

    /// Removes from `folder` the files `previous` listed that `current` does not (stale
    /// outputs of an earlier run), then folders left empty by that; returns what was removed.
    /// Only plain relative paths inside the folder are considered: a record edited to name
    /// "../x" or "/etc/x" removes nothing outside.
    @discardableResult
    public static func removeStale(previous: [String], current: [String], folder: String) -> [String] {
        let keep = Set(current)
        var removed: [String] = []
        for rel in previous where !keep.contains(rel) {
            let parts = rel.split(separator: "/", omittingEmptySubsequences: false)
            guard !rel.hasPrefix("/"), !parts.isEmpty, !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }),
                rel != fileName
            else { continue }
            let path = folder + "/" + rel
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { continue }
            if (try? FileManager.default.removeItem(atPath: path)) != nil {
                removed.append(rel)
                // Empty folders the removed files leave (raven/siteA/ when siteA is gone).
                var dir = PathText.parent(rel)
                while !dir.isEmpty, let left = try? FileManager.default.contentsOfDirectory(atPath: folder + "/" + dir), left.isEmpty {
                    try? FileManager.default.removeItem(atPath: folder + "/" + dir)
                    dir = PathText.parent(dir)
                }
            }
        }
        return removed
    }

    /// Key/value pairs saying where results came from, for result files and the report.
    public var provenance: [(label: String, value: String)] {
        [
            ("warbler", warbler), ("command", command.joined(separator: " ")), ("checkpoint", checkpoint.path),
            ("checkpoint sha256", checkpoint.sha256), ("thresholds", thresholdSource), ("started", started), ("finished", finished),
        ]
    }
}
