// A detection run over many recordings that survives interruption: each finished recording's
// result goes to a journal file in `<out>/.journal/` (written atomically) keyed by the file's
// path, size, modification time and the run's `identity` (the model and what changes scores:
// window, hop, front-end), with its framewise scores in a binary file beside it; a run started
// again with the same inputs reuses what the journal holds and processes the rest, and the
// outputs are then written from the journal in input order, so a run killed at any moment and
// restarted ends with every row exactly once. Thresholds and event settings are not part of
// the identity: a reused result's events are decoded again from its kept scores under the
// current ones (`policy`, `rule`), so changing a threshold costs no model run. A file that
// cannot be read is reported (file and cause) and skipped; the others go on.
import Foundation
import WarblerIO

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

    /// When set, reused results get their events decoded again under these (a result whose
    /// scores were not kept low enough for them is detected again).
    public var relabel: (policy: LabelPolicy, rule: EventRule)?

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

    /// The frame scores beside a journal entry.
    func framesPath(_ path: String) -> String {
        String(journalPath(path).dropLast(5)) + ".frames"
    }

    /// The journalled result of `path` (with its frame scores), if it is there and still
    /// matches the file and the run, and (with `relabel` set) its events decoded again.
    public func journalled(_ path: String) -> RecordingResult? {
        guard let k = try? key(for: path), let data = FileManager.default.contents(atPath: journalPath(path)),
            let entry = try? JSONDecoder().decode(JournalEntry.self, from: data), entry.key == k
        else { return nil }
        var result = entry.result
        if let frames = FileManager.default.contents(atPath: framesPath(path)) {
            result.frameScores = try? FrameScores(decoding: frames, source: framesPath(path))
        }
        guard let (policy, rule) = relabel else { return result }
        return result.relabelled(policy: policy, rule: rule)
    }

    /// Journals `result`: its frame scores first, then the entry that refers to them, each
    /// atomically, so an entry never stands without its scores.
    public func record(_ result: RecordingResult, for path: String) throws {
        try FileManager.default.createDirectory(atPath: journalDir, withIntermediateDirectories: true)
        if let frames = result.frameScores { try AtomicFile.write(frames.encoded(), to: framesPath(path)) }
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
    /// With `ids` (one per file, AudioInputs.recordingIDs), reused results take the id of this
    /// run's inputs (the journal may come from a run whose inputs had another common folder).
    public func run(
        _ files: [String], ids: [String]? = nil, detect: (String) throws -> RecordingResult,
        report: (String, Outcome) -> Void = { _, _ in }
    ) throws -> (results: [RecordingResult], failures: [(path: String, reason: String)]) {
        precondition(ids == nil || ids!.count == files.count, "DetectionRun.run: \(ids!.count) ids for \(files.count) files")
        var results: [RecordingResult] = [], failures: [(String, String)] = []
        for (index, file) in files.enumerated() {
            if shouldStop() { throw DetectionInterrupted(finished: index, total: files.count) }
            if var done = journalled(file) {
                if let ids, done.recording != ids[index] { done = done.renamed(ids[index]) }
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
