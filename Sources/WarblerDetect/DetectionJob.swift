// One `warbler detect` run as one library call: the inputs (this shard's part), the checkpoint
// and its contract, the thresholds, the journal (an interrupted run resumes), a report page per
// recording, the result writers, the report index and run.json. The command line parses the
// options, calls `DetectionJob.run`, and prints what the observer and the outcome tell it.
import Foundation
import WarblerAudio
import WarblerIO
import WarblerMetrics
import WarblerModels
import WarblerNN
import WarblerPlot
import WarblerTensor

/// What a detect run is asked to do (the options of `warbler detect`).
public struct DetectionJobSettings {
    public var checkpoint: String
    /// Recordings (files or folders), or `filesFrom`, a text file listing them.
    public var inputs: [String]
    public var filesFrom: String?
    /// This process's shard of the inputs and where that came from (`--shard`, the environment).
    public var shard: (shard: Shard, source: String)?
    public var out: String
    public var formats: [OutputFormat]
    /// A thresholds file (default: the checkpoint's own, else thresholds.json beside it).
    public var thresholdsFile: String?
    /// One threshold for every class (overrides the thresholds file).
    public var threshold: Float?
    public var topK: Int?
    /// Window and hop, seconds (default: the checkpoint's training window; hop = window).
    public var window: Double?
    public var hop: Double?
    public var batch: Int
    public var rule: EventRule
    public var report: Bool
    /// The device as given (`cpu`, `cuda`, `cuda:N`; kept as written in run.json).
    public var device: String
    public var bf16: Bool
    public var threads: Int
    /// The command line, for run.json.
    public var command: [String]

    public init(
        checkpoint: String, inputs: [String], filesFrom: String?, shard: (shard: Shard, source: String)?, out: String,
        formats: [OutputFormat], thresholdsFile: String?, threshold: Float?, topK: Int?, window: Double?, hop: Double?,
        batch: Int, rule: EventRule, report: Bool, device: String, bf16: Bool, threads: Int, command: [String]
    ) {
        (self.checkpoint, self.inputs, self.filesFrom, self.shard, self.out, self.formats) = (checkpoint, inputs, filesFrom, shard, out, formats)
        (self.thresholdsFile, self.threshold, self.topK, self.window, self.hop, self.batch) = (thresholdsFile, threshold, topK, window, hop, batch)
        (self.rule, self.report, self.device, self.bf16, self.threads, self.command) = (rule, report, device, bf16, threads, command)
    }
}

/// What a detect run tells its caller while it works (the command line prints it).
public protocol DetectionJobObserver: AnyObject {
    /// A status line (which shard and how many inputs).
    func say(_ line: String)
    /// The output folder is locked and the run about to start: install signal handlers now.
    func readyToStop()
    /// Whether a stop was asked for; checked between recordings.
    var stopRequested: Bool { get }
    /// The recordings of this run, before the first one starts.
    func starting(_ files: [String])
    /// `seconds` of `file`'s audio are done.
    func progress(_ file: String, seconds: Double)
    /// `file` is finished (detected, reused from an earlier run, or failed: `result` nil and
    /// `reason` saying why); a reused recording's report page may be drawn after this.
    func finished(_ file: String, result: RecordingResult?, reused: Bool, reason: String?)
    /// The last recording is finished or the run stopped.
    func stopped()
}

/// What a finished detect run did.
public struct DetectionJobOutcome {
    /// Recordings in this run (this shard's), detected (or reused) and failed.
    public let recordings: Int
    public let detected: Int
    public let failures: [(path: String, reason: String)]
    /// Output files that could not be written (a full disk), with the cause.
    public let writeFailures: [(path: String, reason: String)]
    /// Result files written (tables; not the report).
    public let tablesWritten: Int
    /// Files of an earlier run into the folder that this one did not write, removed.
    public let removedStale: Int
    /// The report's index page, when one was asked for and written.
    public let reportIndex: String?
}

public enum DetectionJob {
    /// Runs detection as `settings` say, telling `observer` as it goes. Throws
    /// `DetectionInterrupted` when stopped between recordings (the journal keeps what was done).
    public static func run(_ settings: DetectionJobSettings, observer: DetectionJobObserver) throws -> DetectionJobOutcome {
        let started = Date()
        let s = settings, out = settings.out
        func relative(_ path: String) -> String { path.hasPrefix(out + "/") ? String(path.dropFirst(out.count + 1)) : path }
        // --- Scale-out: all inputs (arguments or --files-from) and their ids, each recording
        // known by its path relative to the inputs' common folder; then this shard's part.
        let selection = try InputSelection.make(inputs: s.inputs, filesFrom: s.filesFrom, shard: s.shard?.shard, shardSource: s.shard?.source)
        guard selection.totalInputs > 0 else { throw DetectError("no audio files in \(s.filesFrom ?? s.inputs.joined(separator: ", "))") }
        if let line = selection.logLine { observer.say(line) }
        let files = selection.files, ids = selection.ids, inputRoot = selection.inputRoot
        // --- end of scale-out
        let model = try SEDModel(checkpoint: s.checkpoint)
        let contract = try CheckpointContract(checkpoint: s.checkpoint, classCount: model.config.classes)
        let classes = contract.classes
        let target = Device(name: s.device) ?? .cpu
        if target != .cpu { try model.move(to: target) }
        let scorer = try SEDScorer(model: model, classes: classes, device: target, normalization: contract.input.normalization)
        scorer.bfloat16 = s.bf16
        let (policy, thresholdSource) = try labelPolicy(s, classes: classes, stored: contract.thresholds)
        var config = DetectConfig()
        let windowSeconds = s.window ?? contract.input.windowSeconds
        guard (s.hop ?? windowSeconds) <= windowSeconds else {
            throw DetectError("--hop (\(s.hop!) s) is longer than the \(windowSeconds) s window")
        }
        (config.windowSeconds, config.hopSeconds, config.batchSize) = (windowSeconds, s.hop ?? windowSeconds, s.batch)
        config.frontEnd = contract.input.frontEnd
        config.audio.sampleRate = contract.input.sampleRate
        config.rule = s.rule
        let detector = try RecordingDetector(scorer: scorer, config: config, policy: policy)
        let checkpointRecord = try RunRecord.Checkpoint(path: s.checkpoint)
        detector.frontEnd.threads = s.threads
        // One run per output folder; with the folder ours, clear what a killed run left behind.
        let lock = try RunLock(folder: out)
        defer { lock.release() }
        lock.removeStaleTemporaryFiles()
        let previous = RunRecord.read(folder: out)
        observer.readyToStop()
        // Scores are reused whatever the thresholds and event settings: those only decode events.
        let run = DetectionRun(outDir: out, identity: try runIdentity(s, config: config, checkpoint: checkpointRecord))
        run.relabel = (policy, config.rule)
        run.shouldStop = { observer.stopRequested }
        let reportDir = out + "/report"
        let idOf = Dictionary(zip(files, ids), uniquingKeysWith: { a, _ in a })
        // A reused recording's report page is kept when it was made with the same labelling;
        // otherwise it is drawn again (the front-end only, no model).
        let sameLabelling =
            previous.map {
                $0.thresholds == policy.thresholds && $0.topK == policy.topK && $0.classes == policy.classes
                    && $0.settings.rule == config.rule
            } ?? false
        var recordings: [RunRecord.Recording] = []
        var reportFiles: [String: [String]] = [:]
        // Files of the run's outputs that could not be written (a full disk), with the cause.
        var writeFailures: [(path: String, reason: String)] = []
        func writePage(_ r: RecordingResult, _ picture: MaxPooledColumns) {
            // A report page that cannot be written is an output failure, not the recording's.
            do {
                let page = try DetectionReport.write(r, picture: picture, frontEnd: detector.frontEnd, policy: policy, to: reportDir)
                // The page and everything in its folder of pictures and clips.
                let assets = String(page.dropLast(5)) + ".files"
                let inside = (FileManager.default.enumerator(atPath: assets)?.allObjects as? [String] ?? []).filter { rel in
                    var isDir: ObjCBool = false
                    return FileManager.default.fileExists(atPath: assets + "/" + rel, isDirectory: &isDir) && !isDir.boolValue
                }
                reportFiles[r.recording] = [relative(page)] + inside.sorted().map { relative(assets + "/" + $0) }
            } catch {
                writeFailures.append(("\(reportDir)/\(DetectionReport.pageName(for: r.recording)).html", ErrorText.describe(error)))
            }
        }
        func newPicture(_ file: String) -> MaxPooledColumns? {
            guard s.report, let info = try? AudioFileInfo(path: file) else { return nil }
            return DetectionReport.picture(
                bins: detector.frontEnd.config.nMels,
                expectedFrames: Int(min(info.duration * detector.frameRate, Double(Int32.max))) + 1)
        }
        observer.starting(files)
        let results: [RecordingResult], failures: [(path: String, reason: String)]
        do {
            (results, failures) = try run.run(
                files, ids: ids,
                detect: { file in
                    var picture = newPicture(file)
                    let r = try detector.run(
                        path: file, recording: idOf[file], progress: { done, _ in observer.progress(file, seconds: done) },
                        picture: picture == nil ? nil : { picture!.add($0) })
                    if let picture { writePage(r, picture) }
                    return r
                },
                report: { file, outcome in
                    let reused: Bool = { if case .reused = outcome { return true } else { return false } }()
                    switch outcome {
                    case .detected(let r), .reused(let r): observer.finished(file, result: r, reused: reused, reason: nil)
                    case .failed(let reason): observer.finished(file, result: nil, reused: false, reason: reason)
                    }
                    switch outcome {
                    case .detected(let r), .reused(let r):
                        recordings.append(RunRecord.Recording(id: r.recording, path: file, status: reused ? "reused" : "detected"))
                        if reused && s.report {
                            if sameLabelling, let kept = previous?.recordings.first(where: { $0.id == r.recording && $0.status != "failed" })?.reportFiles,
                                kept.allSatisfy({ FileManager.default.fileExists(atPath: out + "/" + $0) })
                            {
                                reportFiles[r.recording] = kept
                            } else if var picture = newPicture(file) {
                                do {
                                    _ = try detector.drawOnly(path: file, recording: r.recording) { picture.add($0) }
                                    writePage(r, picture)
                                } catch {
                                    writeFailures.append(
                                        (
                                            "\(reportDir)/\(DetectionReport.pageName(for: r.recording)).html",
                                            ErrorText.describe(error, file: file)
                                        ))
                                }
                            }
                        }
                    case .failed(let reason):
                        recordings.append(RunRecord.Recording(id: idOf[file] ?? file, path: file, status: "failed", reason: reason))
                    }
                })
        } catch let e as DetectionInterrupted {
            observer.stopped()
            throw e
        }
        writeFailures += run.journalFailures
        for i in recordings.indices { recordings[i].reportFiles = reportFiles[recordings[i].id] }
        // Scale-out: each recording's place in the whole input list, for `warbler merge`.
        if selection.shard != nil && recordings.count == files.count { for i in recordings.indices { recordings[i].index = selection.indexes[i] } }
        var record = RunRecord(
            command: s.command, started: started, checkpoint: checkpointRecord, settings: config, policy: policy,
            thresholdSource: thresholdSource, device: s.device + (s.bf16 ? " (bf16)" : ""), inputRoot: inputRoot,
            recordings: recordings, files: [])
        record.shard = selection.record
        let outcome = try ResultWriters.writeEach(results, policy: policy, formats: s.formats, to: out, run: record)
        writeFailures += outcome.failed
        var written = outcome.written.map { relative($0) } + reportFiles.values.flatMap { $0 }
        if s.report {
            do {
                let index = try DetectionReport.writeIndex(results, failures: failures, about: record.provenance, to: reportDir)
                written += [relative(index), relative(reportDir + "/nav.js")]
            } catch {
                writeFailures.append((reportDir + "/index.html", ErrorText.describe(error)))
            }
        }
        // What an earlier run into this folder wrote and this one did not is stale: removed, so
        // that the folder holds exactly what run.json lists.
        record.files = written.sorted()
        let removed = RunRecord.removeStale(previous: previous?.files ?? [], current: record.files, folder: out)
        do { try record.write(folder: out) } catch { writeFailures.append((out + "/" + RunRecord.fileName, ErrorText.describe(error))) }
        let indexWritten = s.report && !writeFailures.contains { $0.path.hasSuffix("index.html") }
        return DetectionJobOutcome(
            recordings: files.count, detected: results.count, failures: failures, writeFailures: writeFailures,
            tablesWritten: outcome.written.count, removedStale: removed.count,
            reportIndex: indexWritten ? reportDir + "/index.html" : nil)
    }

    /// Thresholds: `threshold` for all, else the thresholds file's per-class values, else those
    /// stored in the checkpoint, else a thresholds.json beside it (checkpoints from before
    /// thresholds were stored in them), else 0.5. Also says where they came from (run.json).
    public static func labelPolicy(_ s: DetectionJobSettings, classes: [String], stored: ThresholdsFile?) throws -> (LabelPolicy, source: String) {
        let topK = s.topK
        if let threshold = s.threshold {
            return (LabelPolicy(classes: classes, thresholds: Array(repeating: threshold, count: classes.count), topK: topK), "--threshold \(threshold)")
        }
        if s.thresholdsFile == nil, let stored {
            return (LabelPolicy(classes: classes, thresholds: stored.perClass, topK: topK), "the checkpoint's (from training)")
        }
        let parent = PathText.parent(s.checkpoint)
        let path = s.thresholdsFile ?? (parent.isEmpty ? "thresholds.json" : parent + "/thresholds.json")
        guard FileManager.default.fileExists(atPath: path) else {
            if let thresholds = s.thresholdsFile { throw DetectError("\(thresholds): no such file") }
            return (LabelPolicy(classes: classes, thresholds: Array(repeating: 0.5, count: classes.count), topK: topK), "the default 0.5")
        }
        guard let data = FileManager.default.contents(atPath: path), let file = try? JSONDecoder().decode(ThresholdsFile.self, from: data) else {
            throw DetectError("\(path): not a thresholds file written by warbler train")
        }
        try file.validate(classes: classes, source: path)
        return (LabelPolicy(classes: classes, thresholds: file.perClass, topK: topK), AudioInputs.absolute(path))
    }

    /// What makes scores reusable: the checkpoint's bytes and what changes the scores (window,
    /// hop, front-end, audio, device, bf16). Thresholds and event settings are not part of it.
    static func runIdentity(_ s: DetectionJobSettings, config: DetectConfig, checkpoint: RunRecord.Checkpoint) throws -> String {
        var scoring = config
        scoring.rule = EventRule()
        scoring.batchSize = 0
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return "\(checkpoint.sha256)|\(s.device)|\(s.bf16)|" + String(decoding: try e.encode(scoring), as: UTF8.self)
    }
}
