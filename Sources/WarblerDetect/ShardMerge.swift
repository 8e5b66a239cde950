// `warbler merge`: the results of the shards of one sharded detect run, put back together in
// input order, so the tables written from them are exactly those a single `detect` over all
// recordings writes. Read from each shard folder's run.json (which recordings it holds, their
// index in the whole input list, the settings) and its journal (the scores; the events of a
// reused recording decoded again under the run's thresholds, as detect does). Shards made with
// another checkpoint, other settings or thresholds, or over other inputs are refused; inputs no
// shard holds (a task that never ran or never finished) are found and named.
import Foundation
import WarblerIO

public struct ShardMerge {
    public struct Missing: Sendable, Equatable {
        /// Index in the whole input list, and the path where the list could be read again.
        public var index: Int
        public var path: String?
        public var id: String?
    }

    /// The shard folders that had a finished run (run.json), in shard order.
    public private(set) var shards: [(folder: String, record: RunRecord)] = []
    /// Folders without run.json (or not there at all): their shard never finished (its recordings are missing).
    public private(set) var unfinished: [String] = []
    /// The first shard's record: checkpoint, settings, thresholds shared by all.
    public var reference: RunRecord { shards[0].record }
    public var shardCount: Int { reference.shard!.count }
    public var totalInputs: Int { reference.shard!.totalInputs }

    /// Reads every folder's run.json and checks that they are shards of one run.
    public init(folders: [String]) throws {
        for folder in folders {
            // A folder that is not there is a task that never started: its recordings are missing.
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), !isDir.boolValue {
                throw DetectError("\(folder) is a file, not a shard's output folder")
            }
            guard FileManager.default.fileExists(atPath: folder + "/" + RunRecord.fileName) else { unfinished.append(folder); continue }
            guard let record = RunRecord.read(folder: folder) else {
                throw DetectError("\(folder)/\(RunRecord.fileName): not a run record written by warbler detect")
            }
            guard record.shard != nil else {
                throw DetectError("\(folder) was not made with --shard (its run.json has no shard): merge combines the folders of a sharded run")
            }
            shards.append((folder, record))
        }
        guard !shards.isEmpty else {
            throw DetectError("none of \(folders.joined(separator: ", ")) holds a finished shard (no run.json): nothing to merge")
        }
        let first = shards[0]
        for other in shards.dropFirst() {
            if let why = ShardMerge.difference(first.record, other.record) {
                throw DetectError("\(first.folder) and \(other.folder) are not shards of one run: \(why)")
            }
        }
        shards.sort { $0.record.shard!.index < $1.record.shard!.index }
        for (a, b) in zip(shards, shards.dropFirst()) where a.record.shard!.index == b.record.shard!.index {
            throw DetectError("\(a.folder) and \(b.folder) are both shard \(a.record.shard!.index)/\(a.record.shard!.count): give each shard once")
        }
    }

    /// What makes two shard records belong to different runs, in words; nil when they agree.
    static func difference(_ a: RunRecord, _ b: RunRecord) -> String? {
        var sa = a.settings, sb = b.settings
        (sa.batchSize, sb.batchSize) = (0, 0)  // windows per model call does not change a score
        let (x, y) = (a.shard!, b.shard!)
        if a.checkpoint.sha256 != b.checkpoint.sha256 { return "they were made with different checkpoints (\(a.checkpoint.path), \(b.checkpoint.path))" }
        if a.classes != b.classes { return "their checkpoints have different classes" }
        if sa != sb { return "they were made with different settings (window, hop, event rule or front-end)" }
        if a.thresholds != b.thresholds || a.topK != b.topK { return "they were made with different thresholds or --top-k" }
        if a.device != b.device { return "they ran on different devices (\(a.device), \(b.device))" }
        if x.count != y.count { return "one is a shard of \(x.count), the other of \(y.count)" }
        if x.totalInputs != y.totalInputs || x.filesFrom != y.filesFrom || x.inputs != y.inputs || a.inputRoot != b.inputRoot {
            return "they were made over different inputs (\(x.totalInputs) and \(y.totalInputs) recordings)"
        }
        return nil
    }

    /// The shards no given folder finished.
    public var missingShards: [Int] {
        let have = Set(shards.map { $0.record.shard!.index })
        return (0..<shardCount).filter { !have.contains($0) }
    }

    /// Results in input order, the recordings that failed in their shard (as run.json says),
    /// the run record entries in input order (missing ones included), and the inputs no
    /// shard holds.
    public func collect() throws -> (results: [RecordingResult], failed: [RunRecord.Recording], recordings: [RunRecord.Recording], missing: [Missing]) {
        let policy = LabelPolicy(classes: reference.classes, thresholds: reference.thresholds, topK: reference.topK)
        let rule = reference.settings.rule
        var byIndex: [Int: (RunRecord.Recording, RecordingResult?)] = [:]
        for (folder, record) in shards {
            let run = DetectionRun(outDir: folder, identity: "")
            for r in record.recordings {
                guard let index = r.index, index >= 0, index < totalInputs else {
                    throw DetectError("\(folder)/\(RunRecord.fileName): recording \(r.id) has no valid input index")
                }
                guard byIndex[index] == nil else {
                    throw DetectError("\(folder): recording \(r.id) is also in another shard (input \(index)): give each shard once")
                }
                if r.status == "failed" { byIndex[index] = (r, nil); continue }
                byIndex[index] = (r, try ShardMerge.journalled(r, run: run, folder: folder, policy: policy, rule: rule))
            }
        }
        var results: [RecordingResult] = [], failed: [RunRecord.Recording] = [], recordings: [RunRecord.Recording] = []
        var missingIndexes: [Int] = []
        for i in 0..<totalInputs {
            guard let entry = byIndex[i] else { missingIndexes.append(i); continue }
            let (r, result) = entry
            recordings.append(r)
            if let result { results.append(result) } else { failed.append(r) }
        }
        var missing = missingIndexes.map { Missing(index: $0) }
        if !missing.isEmpty, let all = try? allInputs(), all.totalInputs == totalInputs {
            for m in missing.indices { (missing[m].path, missing[m].id) = (all.files[missing[m].index], all.ids[missing[m].index]) }
        }
        // Missing ones in run.json too, in their place.
        if !missing.isEmpty {
            // Looked up by index: a missing shard of a million inputs leaves hundreds of thousands.
            var merged: [RunRecord.Recording] = [], byIndexRecs = Dictionary(uniqueKeysWithValues: recordings.map { ($0.index!, $0) })
            let missingAt = Dictionary(uniqueKeysWithValues: missing.map { ($0.index, $0) })
            for i in 0..<totalInputs {
                if let r = byIndexRecs.removeValue(forKey: i) { merged.append(r); continue }
                let m = missingAt[i]!
                var r = RunRecord.Recording(id: m.id ?? "", path: m.path ?? "", status: "missing", reason: "in no finished shard")
                r.index = i
                if m.path == nil { r.path = "" }
                merged.append(r)
            }
            recordings = merged
        }
        return (results, failed, recordings, missing)
    }

    /// The whole input list again, from the inputs the shards recorded (to name missing files).
    public func allInputs() throws -> InputSelection {
        let s = reference.shard!
        return try InputSelection.make(inputs: s.inputs ?? [], filesFrom: s.filesFrom, shard: nil, cwd: reference.workingDirectory)
    }

    /// The result a shard journalled for recording `r`, under the run's id, with the events
    /// the shard's run reported (a reused result's decoded again under its thresholds, as
    /// detect does).
    static func journalled(_ r: RunRecord.Recording, run: DetectionRun, folder: String, policy: LabelPolicy, rule: EventRule) throws -> RecordingResult {
        let entryPath = run.journalPath(r.path)
        guard let data = FileManager.default.contents(atPath: entryPath),
            let entry = try? JSONDecoder().decode(DetectionRun.JournalEntry.self, from: data),
            entry.key.hasPrefix(r.path + "|")
        else {
            throw DetectError("\(folder): the journal entry of \(r.path) is missing or damaged (\(entryPath)); run that shard again")
        }
        var result = entry.result
        if let frames = FileManager.default.contents(atPath: run.framesPath(r.path)) {
            result.frameScores = try FrameScores(decoding: frames, source: run.framesPath(r.path))
        }
        if r.status == "reused" {
            guard let relabelled = result.relabelled(policy: policy, rule: rule) else {
                throw DetectError("\(folder): the kept scores of \(r.path) cannot be decoded under the run's thresholds; run that shard again")
            }
            result = relabelled
        }
        if result.recording != r.id { result = result.renamed(r.id) }
        return result
    }
}
