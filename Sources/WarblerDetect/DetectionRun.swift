// A detection run over many recordings that survives interruption: each finished recording's
// result goes to a journal file in `<out>/.journal/` (written atomically) keyed by the file's
// path, size, modification time and the run's `identity` (model and settings); a run started
// again with the same inputs reuses what the journal holds and processes the rest, and the
// outputs are then written from the journal in input order, so a run killed at any moment and
// restarted ends with every row exactly once. A file that cannot be read is reported (file and
// cause) and skipped; the others go on.
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
            for f in files where seen.insert(URL(fileURLWithPath: f).standardizedFileURL.path).inserted { out.append(f) }
        }
        // Row ids and per-recording tables use the file stem: two files may not share one.
        var byStem: [String: String] = [:]
        for f in out {
            let stem = ((f as NSString).lastPathComponent as NSString).deletingPathExtension
            if let other = byStem[stem] {
                throw DetectError("\(f) and \(other) share the name '\(stem)', which row ids and report pages use: rename one or run them separately")
            }
            byStem[stem] = f
        }
        return out
    }
}

public final class DetectionRun {
    public let outDir: String
    /// Model and settings, so a journal made with others is not reused.
    public let identity: String
    var journalDir: String { outDir + "/.journal" }

    /// Journal entries that could not be written (a full disk): the result is kept for this
    /// run's outputs, but a later run will have to detect that recording again.
    public private(set) var journalFailures: [(path: String, reason: String)] = []
    /// Asked before each recording; true stops the run there (`DetectionInterrupted`), with
    /// everything finished so far journalled.
    public var shouldStop: () -> Bool = { false }

    public init(outDir: String, identity: String) {
        self.outDir = outDir
        self.identity = identity
    }

    struct JournalEntry: Codable {
        let key: String
        let result: RecordingResult
    }

    /// The journal key of a file: its path, size, modification time and the run's identity.
    func key(for path: String) throws -> String {
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw DetectError("\(path): cannot be read (\(error.localizedDescription))")
        }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        let mtime = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(URL(fileURLWithPath: path).standardizedFileURL.path)|\(size)|\(mtime)|\(identity)"
    }

    /// FNV-1a, for journal file names.
    static func hash(_ s: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }

    func journalPath(_ path: String) -> String {
        journalDir + "/" + DetectionRun.hash(URL(fileURLWithPath: path).standardizedFileURL.path) + ".json"
    }

    /// The journalled result of `path`, if it is there and still matches the file and the run.
    public func journalled(_ path: String) -> RecordingResult? {
        guard let k = try? key(for: path), let data = FileManager.default.contents(atPath: journalPath(path)),
              let entry = try? JSONDecoder().decode(JournalEntry.self, from: data), entry.key == k else { return nil }
        return entry.result
    }

    public func record(_ result: RecordingResult, for path: String) throws {
        try FileManager.default.createDirectory(atPath: journalDir, withIntermediateDirectories: true)
        let data = try JSONEncoder().encode(JournalEntry(key: try key(for: path), result: result))
        try AtomicFile.write(data, to: journalPath(path))
    }

    public enum Outcome {
        case reused(RecordingResult)
        case detected(RecordingResult)
        case failed(String)
    }

    /// Runs `detect` on every file not already journalled, in order, journalling each result;
    /// `report` hears each outcome. Returns the results in input order and the failures.
    public func run(_ files: [String], detect: (String) throws -> RecordingResult,
                    report: (String, Outcome) -> Void = { _, _ in }) throws -> (results: [RecordingResult], failures: [(path: String, reason: String)]) {
        var results: [RecordingResult] = [], failures: [(String, String)] = []
        for (index, file) in files.enumerated() {
            if shouldStop() { throw DetectionInterrupted(finished: index, total: files.count) }
            if let done = journalled(file) {
                results.append(done)
                report(file, .reused(done))
                continue
            }
            let r: RecordingResult
            do { r = try detect(file) } catch {
                // Every failure names its file, whatever layer it came from (an EncodingError
                // of non-finite scores, say, knows nothing of the recording).
                let text = (error as? LocalizedError)?.errorDescription ?? "\(error)"
                let reason = text.hasPrefix(file + ":") ? text : "\(file): \(text)"
                failures.append((file, reason))
                report(file, .failed(reason))
                continue
            }
            // A journal that cannot be written is an output failure, not the recording's.
            do { try record(r, for: file) } catch {
                journalFailures.append((journalPath(file), (error as? LocalizedError)?.errorDescription ?? "\(error)"))
            }
            results.append(r)
            report(file, .detected(r))
        }
        return (results, failures)
    }
}

/// A run stopped between recordings on request (SIGINT/SIGTERM): `finished` of `total` were
/// done (and journalled) before it stopped.
public struct DetectionInterrupted: Error, CustomStringConvertible, Sendable {
    public let finished: Int
    public let total: Int
    public var description: String { "interrupted after \(finished) of \(total) recordings" }
}
