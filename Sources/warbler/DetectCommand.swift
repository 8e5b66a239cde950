// `warbler detect`: the main job. Recordings (files or folders, any length) in; which species
// call when, how sure, out, in the formats people use, plus an HTML report. Interrupted runs
// pick up where they stopped (DetectionRun's journal); a bad file is reported and skipped.
import ArgumentParser
import Foundation
import WarblerAudio
import WarblerDetect
import WarblerFeatures
import WarblerIO
import WarblerMetrics
import WarblerModels
import WarblerNN
import WarblerTensor

struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Detect species in recordings with a trained checkpoint.",
        discussion: """
            Writes into --out the formats of --format (cornell: cornell.csv; csv: scores.csv and \
            detections.csv; raven: Raven selection tables; audacity: label tracks; json: \
            detections.json; sqlite: detections.sqlite) and report/index.html with a review page per \
            recording (spectrogram, detection table, audio clips, right/wrong marks; see docs/detection.md). The sample rate, front-end, input scaling and window length come from the \
            checkpoint (what it was trained with). Thresholds come from --threshold, else \
            --thresholds, else the per-class thresholds training stored in the checkpoint, else \
            a thresholds.json beside it (older checkpoints), else 0.5.
            """)

    @Option(help: "A checkpoint written by `warbler train` or `warbler model init`.")
    var checkpoint: String
    @Argument(help: "Audio files or folders (searched recursively for wav, flac, ogg, opus, mp3).")
    var inputs: [String] = []
    @Option(help: "Output folder.")
    var out: String
    @Option(help: "Comma-separated output formats: cornell, csv, raven, audacity, json, sqlite.")
    var format = "cornell,csv,raven,audacity,json"
    @Option(help: "A thresholds file (default: the checkpoint's own thresholds, else thresholds.json beside it).")
    var thresholds: String?
    @Option(name: [.customLong("threshold"), .customLong("min-conf")],
            help: "One threshold for every class (overrides the thresholds file); --min-conf is the same, as BirdNET names it.")
    var threshold: Float?
    @Option(help: "At most this many species per 5-s row, the most probable first.")
    var topK: Int?
    @Option(help: "Window length, seconds, 0.1 to 600 (default: the checkpoint's training window, 5 s for older checkpoints).")
    var window: Double?
    @Option(help: "Hop between windows, seconds, at least 0.01 (less than the window: overlapping windows; default: the window).")
    var hop: Double?
    @Option(help: "Windows per model call (1 to 1024).")
    var batch = 8
    @Option(help: "Events shorter than this are dropped, seconds.")
    var minDuration = 0.1
    @Option(help: "Events closer than this are merged, seconds.")
    var mergeGap = 0.25
    @Option(help: "An event lasts while its score stays above this fraction of the threshold.")
    var hysteresis: Float = 0.6
    @Flag(help: "Skip the HTML report.")
    var noReport = false
    @Option(help: "Device: cpu, or cuda[:N] where the CUDA backend is available.")
    var device = "cpu"
    // Scale-out (issue 14, docs/scale-out.md): a shard of a large run; `warbler merge` joins them.
    @Option(help: "A text file of recordings, one path a line ('#' comments and blank lines skipped; relative to the current folder), instead of INPUTS.")
    var filesFrom: String?
    @Option(help: "Process shard I of N (I from 0) of the recordings: --shard I/N. Default: from SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX when set.")
    var shard: String?
    @Option(help: "The number of shards when the index comes from the environment (JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX; with Slurm it overrides SLURM_ARRAY_TASK_COUNT).")
    var shards: Int?

    @Flag(help: "Run the model's convolutions in bfloat16 on the CPU (AVX-512 BF16; about 1.25x faster at batch 16, scores within ~1e-2).")
    var bf16 = false
    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        // A usage error like every other bad option (exit 64), not a run failure (exit 1).
        do { _ = try OutputFormat.list(format) } catch { throw ValidationError(describe(error)) }
        if let threshold { guard threshold > 0 && threshold <= 1 else { throw ValidationError("--threshold must be in (0, 1], not \(threshold).") } }
        if let topK { guard topK >= 1 else { throw ValidationError("--top-k must be at least 1, not \(topK).") } }
        if let window { guard window >= 0.1, window <= 600 else { throw ValidationError("--window must be 0.1 to 600 s, not \(window).") } }
        if let hop { guard hop >= 0.01, hop <= (window ?? hop) else { throw ValidationError("--hop must be at least 0.01 s and no longer than the window, not \(hop).") } }
        guard batch >= 1, batch <= 1024 else { throw ValidationError("--batch must be 1 to 1024, not \(batch).") }
        guard minDuration >= 0, mergeGap >= 0, minDuration.isFinite, mergeGap.isFinite else { throw ValidationError("--min-duration and --merge-gap must not be negative.") }
        guard hysteresis > 0 && hysteresis <= 1 else { throw ValidationError("--hysteresis must be in (0, 1], not \(hysteresis).") }
        guard Device(name: device) != nil else { throw ValidationError("--device must be cpu, cuda or cuda:N, not \(device).") }
        if bf16 && device != "cpu" { throw ValidationError("--bf16 is for the CPU (bfloat16 on the GPU is not implemented yet).") }
        // Scale-out: inputs from the arguments or a list, and a shard that exists.
        if inputs.isEmpty && filesFrom == nil { throw ValidationError("Give the recordings: files or folders, or --files-from LIST.") }
        if !inputs.isEmpty && filesFrom != nil { throw ValidationError("Give the recordings either as arguments or with --files-from, not both.") }
        do { _ = try shardChoice() } catch { throw ValidationError(describe(error) + ".") }
    }

    /// The shard this process runs: --shard I/N, else the scheduler's environment; nil: all.
    func shardChoice() throws -> (shard: Shard, source: String)? {
        if let shards, shards < 1 || shards > Shard.maximumCount { throw DetectError("--shards must be 1 to \(Shard.maximumCount), not \(shards)") }
        if let shard {
            let s = try Shard(parsing: shard)
            if let shards, shards != s.count { throw DetectError("--shards \(shards) disagrees with --shard \(shard)") }
            return (s, "--shard")
        }
        if let found = try Shard.fromEnvironment(ProcessInfo.processInfo.environment, shards: shards) { return found }
        if let shards { throw DetectError("--shards \(shards) is given but no shard index: give --shard I/\(shards), or run as an array task") }
        return nil
    }

    /// Errors are reported, with their exit status, by `Warbler.exit(reporting:)`.
    func run() throws {
        try runOptions.run(detect)
    }

    func detect() throws {
        let started = Date()
        let formats = try OutputFormat.list(format)
        try OutputFolder.prepare(out, option: "--out")
        // --- Scale-out (issue 14): all inputs (arguments or --files-from) and their ids, each
        // recording known by its path relative to the inputs' common folder; then this shard's part.
        let chosen = try shardChoice()
        let selection = try InputSelection.make(inputs: inputs, filesFrom: filesFrom, shard: chosen?.shard, shardSource: chosen?.source)
        guard selection.totalInputs > 0 else { throw DetectError("no audio files in \(filesFrom ?? inputs.joined(separator: ", "))") }
        if let line = selection.logLine { print(line) }
        let files = selection.files, ids = selection.ids, inputRoot = selection.inputRoot
        // --- end of scale-out
        let model = try SEDModel(checkpoint: checkpoint)
        let contract = try CheckpointContract(checkpoint: checkpoint, classCount: model.config.classes)
        let classes = contract.classes
        let target = Device(name: device)!
        if target != .cpu { try model.move(to: target) }
        let scorer = try SEDScorer(model: model, classes: classes, device: target, normalization: contract.input.normalization)
        scorer.bfloat16 = bf16
        let (policy, thresholdSource) = try labelPolicy(classes, stored: contract.thresholds)
        var config = DetectConfig()
        let windowSeconds = window ?? contract.input.windowSeconds
        guard (hop ?? windowSeconds) <= windowSeconds else {
            throw DetectError("--hop (\(hop!) s) is longer than the \(windowSeconds) s window")
        }
        (config.windowSeconds, config.hopSeconds, config.batchSize) = (windowSeconds, hop ?? windowSeconds, batch)
        config.frontEnd = contract.input.frontEnd
        config.audio.sampleRate = contract.input.sampleRate
        (config.rule.minimumDuration, config.rule.mergeGap, config.rule.offRatio) = (minDuration, mergeGap, hysteresis)
        let detector = try RecordingDetector(scorer: scorer, config: config, policy: policy)
        let checkpointRecord = try RunRecord.Checkpoint(path: checkpoint)
        detector.frontEnd.threads = runOptions.threadCount
        // One run per output folder; with the folder ours, clear what a killed run left behind.
        let lock = try RunLock(folder: out)
        defer { lock.release() }
        lock.removeStaleTemporaryFiles()
        let previous = RunRecord.read(folder: out)
        Interruption.install()
        // Scores are reused whatever the thresholds and event settings: those only decode events.
        let run = DetectionRun(outDir: out, identity: try runIdentity(config: config, checkpoint: checkpointRecord))
        run.relabel = (policy, config.rule)
        run.shouldStop = { Interruption.requested }
        let reportDir = out + "/report"
        let idOf = Dictionary(zip(files, ids), uniquingKeysWith: { a, _ in a })
        // A reused recording's report page is kept when it was made with the same labelling;
        // otherwise it is drawn again (the front-end only, no model).
        let sameLabelling = previous.map { $0.thresholds == policy.thresholds && $0.topK == policy.topK && $0.classes == policy.classes
                                             && $0.settings.rule == config.rule } ?? false
        var recordings: [RunRecord.Recording] = []
        var reportFiles: [String: [String]] = [:]
        // Files of the run's outputs that could not be written (a full disk), with the cause.
        var writeFailures: [(path: String, reason: String)] = []
        func writePage(_ r: RecordingResult, _ picture: ReportSpectrogram) {
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
                writeFailures.append(("\(reportDir)/\(DetectionReport.pageName(for: r.recording)).html", describe(error)))
            }
        }
        func newPicture(_ file: String) -> ReportSpectrogram? {
            guard !noReport, let info = try? AudioFileInfo(path: file) else { return nil }
            return ReportSpectrogram(bins: detector.frontEnd.config.nMels,
                                     expectedFrames: Int(min(info.duration * detector.frameRate, Double(Int32.max))) + 1)
        }
        let progress = BatchProgress(label: "detect", files: files, enabled: !runOptions.quiet,
                                     duration: { (try? AudioFileInfo(path: $0))?.duration })
        let results: [RecordingResult], failures: [(path: String, reason: String)]
        do {
            (results, failures) = try run.run(files, ids: ids, detect: { file in
                var picture = newPicture(file)
                let r = try detector.run(path: file, recording: idOf[file], progress: { done, _ in progress.update(file, secondsDone: done) },
                                         picture: picture == nil ? nil : { picture!.add($0) })
                if let picture { writePage(r, picture) }
                return r
            }, report: { file, outcome in
                let reused: Bool = { if case .reused = outcome { return true } else { return false } }()
                progress.fileDone(file, reused: reused)
                switch outcome {
                case .detected(let r), .reused(let r):
                    let species = Set(r.events.map(\.label)).sorted()
                    recordings.append(RunRecord.Recording(id: r.recording, path: file, status: reused ? "reused" : "detected"))
                    if reused && !noReport {
                        if sameLabelling, let kept = previous?.recordings.first(where: { $0.id == r.recording && $0.status != "failed" })?.reportFiles,
                           kept.allSatisfy({ FileManager.default.fileExists(atPath: out + "/" + $0) }) {
                            reportFiles[r.recording] = kept
                        } else if var picture = newPicture(file) {
                            do {
                                _ = try detector.drawOnly(path: file, recording: r.recording) { picture.add($0) }
                                writePage(r, picture)
                            } catch {
                                writeFailures.append(("\(reportDir)/\(DetectionReport.pageName(for: r.recording)).html", describe(error, file: file)))
                            }
                        }
                    }
                    if !runOptions.quiet { print("\(file): \(r.events.count) detection\(r.events.count == 1 ? "" : "s")"
                          + (species.isEmpty ? "" : " (\(species.joined(separator: ", ")))") + (reused ? " [done earlier]" : "")) }
                case .failed(let reason):
                    recordings.append(RunRecord.Recording(id: idOf[file] ?? file, path: file, status: "failed", reason: reason))
                    printError(reason)
                }
            })
        } catch let e as DetectionInterrupted {
            progress.finish()
            throw Interruption.stop("stopping after \(e.finished) of \(e.total) recordings (journalled in \(out)/.journal; "
                                    + "no result files written); resume with the same command")
        }
        writeFailures += run.journalFailures
        for i in recordings.indices { recordings[i].reportFiles = reportFiles[recordings[i].id] }
        // Scale-out: each recording's place in the whole input list, for `warbler merge`.
        if selection.shard != nil && recordings.count == files.count { for i in recordings.indices { recordings[i].index = selection.indexes[i] } }
        var record = RunRecord(command: CommandLine.arguments, started: started, checkpoint: checkpointRecord, settings: config, policy: policy,
                               thresholdSource: thresholdSource, device: device + (bf16 ? " (bf16)" : ""), inputRoot: inputRoot,
                               recordings: recordings, files: [])
        record.shard = selection.record
        let outcome = try ResultWriters.writeEach(results, policy: policy, formats: formats, to: out, run: record)
        writeFailures += outcome.failed
        var written = outcome.written.map { relative($0) } + reportFiles.values.flatMap { $0 }
        if !noReport {
            do {
                let index = try DetectionReport.writeIndex(results, failures: failures, about: record.provenance, to: reportDir)
                written += [relative(index), relative(reportDir + "/nav.js")]
            } catch {
                writeFailures.append((reportDir + "/index.html", describe(error)))
            }
        }
        // What an earlier run into this folder wrote and this one did not is stale: removed, so
        // that the folder holds exactly what run.json lists.
        record.files = written.sorted()
        let removed = RunRecord.removeStale(previous: previous?.files ?? [], current: record.files, folder: out)
        do { try record.write(folder: out) } catch { writeFailures.append((out + "/" + RunRecord.fileName, describe(error))) }
        let tables = outcome.written.count
        print("wrote \(tables) file\(tables == 1 ? "" : "s") and \(RunRecord.fileName) to \(out)"
              + (noReport || writeFailures.contains { $0.path.hasSuffix("index.html") } ? "" : "; report: \(reportDir)/index.html")
              + (removed.isEmpty ? "" : "; removed \(removed.count) file\(removed.count == 1 ? "" : "s") of the previous run there"))
        if !writeFailures.isEmpty {
            // Said apart from bad recordings: the results exist, the files holding them do not.
            for f in writeFailures { printError("NOT written: \(f.path): \(f.reason)") }
            if !failures.isEmpty { printError(BatchFailure(failed: failures.count, total: files.count).description) }
            printError("\(writeFailures.count) output file\(writeFailures.count == 1 ? "" : "s") could not be written "
                       + "(disk full?); the results of all \(results.count) detected recordings are kept in \(out)/.journal: "
                       + "free some space and run the same command again")
            throw ExitCode(3)
        }
        if !failures.isEmpty { throw BatchFailure(failed: failures.count, total: files.count) }
    }

    /// `path` relative to --out (paths the writers return start with it).
    func relative(_ path: String) -> String {
        path.hasPrefix(out + "/") ? String(path.dropFirst(out.count + 1)) : path
    }

    /// Thresholds: --threshold for all, else --thresholds' per-class values, else those stored in
    /// the checkpoint, else a thresholds.json beside it (checkpoints from before thresholds were
    /// stored in them), else 0.5.
    func labelPolicy(_ classes: [String], stored: ThresholdsFile?) throws -> (LabelPolicy, source: String) {
        if let threshold { return (LabelPolicy(classes: classes, thresholds: Array(repeating: threshold, count: classes.count), topK: topK), "--threshold \(threshold)") }
        if thresholds == nil, let stored { return (LabelPolicy(classes: classes, thresholds: stored.perClass, topK: topK), "the checkpoint's (from training)") }
        let path = thresholds ?? (PathText.parent(checkpoint).isEmpty ? "thresholds.json" : PathText.parent(checkpoint) + "/thresholds.json")
        guard FileManager.default.fileExists(atPath: path) else {
            if let thresholds { throw DetectError("\(thresholds): no such file") }
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
    func runIdentity(config: DetectConfig, checkpoint: RunRecord.Checkpoint) throws -> String {
        var scoring = config
        scoring.rule = EventRule()
        scoring.batchSize = 0
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return "\(checkpoint.sha256)|\(device)|\(bf16)|" + String(decoding: try e.encode(scoring), as: UTF8.self)
    }
}
