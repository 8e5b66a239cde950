// `warbler detect`: the main job. Recordings (files or folders, any length) in; which species
// call when, how sure, out, in the formats people use, plus an HTML report. The command parses
// and prints; the run (journal, resume, writers, report, run.json) is `DetectionJob`'s.
import ArgumentParser
import Foundation
import WarblerCommandLine
import WarblerAudio
import WarblerDetect

struct DetectCommand: LongCommand {
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
    var format = OutputFormats.standard
    @Option(help: "A thresholds file (default: the checkpoint's own thresholds, else thresholds.json beside it).")
    var thresholds: String?
    @Option(
        name: [.customLong("threshold"), .customLong("min-conf")],
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
    // Scale-out (docs/scale-out.md): a shard of a large run; `warbler merge` joins them.
    @Option(help: "A text file of recordings, one path a line ('#' comments and blank lines skipped; relative to the current folder), instead of INPUTS.")
    var filesFrom: String?
    @Option(
        help:
            "Process shard I of N (I from 0) of the recordings: --shard I/N. Default: from SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX when set."
    )
    var shard: String?
    @Option(
        help:
            "The number of shards when the index comes from the environment (JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX; with Slurm it overrides SLURM_ARRAY_TASK_COUNT)."
    )
    var shards: Int?

    @OptionGroup var modelDevice: ModelDeviceOptions
    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        // A usage error like every other bad option (exit 64), not a run failure (exit 1).
        _ = try format.validated()
        if let threshold { guard threshold > 0 && threshold <= 1 else { throw ValidationError("--threshold must be in (0, 1], not \(threshold).") } }
        if let topK { guard topK >= 1 else { throw ValidationError("--top-k must be at least 1, not \(topK).") } }
        if let window { guard window >= 0.1, window <= 600 else { throw ValidationError("--window must be 0.1 to 600 s, not \(window).") } }
        if let hop {
            guard hop >= 0.01, hop <= (window ?? hop) else { throw ValidationError("--hop must be at least 0.01 s and no longer than the window, not \(hop).") }
        }
        guard batch >= 1, batch <= 1024 else { throw ValidationError("--batch must be 1 to 1024, not \(batch).") }
        guard minDuration >= 0, mergeGap >= 0, minDuration.isFinite, mergeGap.isFinite else {
            throw ValidationError("--min-duration and --merge-gap must not be negative.")
        }
        guard hysteresis > 0 && hysteresis <= 1 else { throw ValidationError("--hysteresis must be in (0, 1], not \(hysteresis).") }
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

    func execute() throws {
        let formats = try format.list()
        try OutputFolder.prepare(out, option: "--out")
        var rule = EventRule()
        (rule.minimumDuration, rule.mergeGap, rule.offRatio) = (minDuration, mergeGap, hysteresis)
        let settings = DetectionJobSettings(
            checkpoint: checkpoint, inputs: inputs, filesFrom: filesFrom, shard: try shardChoice(), out: out, formats: formats,
            thresholdsFile: thresholds, threshold: threshold, topK: topK, window: window, hop: hop, batch: batch, rule: rule,
            report: !noReport, device: modelDevice.device, bf16: modelDevice.bf16, threads: runOptions.threadCount,
            command: CommandLine.arguments)
        let observer = DetectPrinter(quiet: runOptions.quiet)
        let outcome: DetectionJobOutcome
        do {
            outcome = try DetectionJob.run(settings, observer: observer)
        } catch let e as DetectionInterrupted {
            throw Interruption.stop(
                "stopping after \(e.finished) of \(e.total) recordings (journalled in \(out)/.journal; "
                    + "no result files written); resume with the same command")
        }
        let tables = outcome.tablesWritten, removed = outcome.removedStale
        print(
            "wrote \(tables) file\(tables == 1 ? "" : "s") and \(RunRecord.fileName) to \(out)"
                + (outcome.reportIndex.map { "; report: \($0)" } ?? "")
                + (removed == 0 ? "" : "; removed \(removed) file\(removed == 1 ? "" : "s") of the previous run there"))
        let failures = outcome.failures, writeFailures = outcome.writeFailures
        if !writeFailures.isEmpty {
            // Said apart from bad recordings: the results exist, the files holding them do not.
            for f in writeFailures { printError("NOT written: \(f.path): \(f.reason)") }
            if !failures.isEmpty { printError(BatchFailure(failed: failures.count, total: outcome.recordings).description) }
            printError(
                "\(writeFailures.count) output file\(writeFailures.count == 1 ? "" : "s") could not be written "
                    + "(disk full?); the results of all \(outcome.detected) detected recordings are kept in \(out)/.journal: "
                    + "free some space and run the same command again")
            throw ExitCode(3)
        }
        if !failures.isEmpty { throw BatchFailure(failed: failures.count, total: outcome.recordings) }
    }
}

/// Prints a detect run as it goes: the progress bar or lines, one line per recording (unless
/// --quiet), failures on standard error; a stop asked for by a signal (`Interruption`).
final class DetectPrinter: DetectionJobObserver {
    let quiet: Bool
    var progress: BatchProgress?

    init(quiet: Bool) { self.quiet = quiet }

    func say(_ line: String) { print(line) }
    func readyToStop() { Interruption.install() }
    var stopRequested: Bool { Interruption.requested }

    func starting(_ files: [String]) {
        progress = BatchProgress(label: "detect", files: files, enabled: !quiet, duration: { (try? AudioFileInfo(path: $0))?.duration })
    }

    func progress(_ file: String, seconds: Double) { progress?.update(file, secondsDone: seconds) }

    func finished(_ file: String, result: RecordingResult?, reused: Bool, reason: String?) {
        progress?.fileDone(file, reused: reused)
        guard let r = result else {
            printError(reason ?? "\(file): failed")
            return
        }
        let species = Set(r.events.map(\.label)).sorted()
        if !quiet {
            print(
                "\(file): \(r.events.count) detection\(r.events.count == 1 ? "" : "s")"
                    + (species.isEmpty ? "" : " (\(species.joined(separator: ", ")))") + (reused ? " [done earlier]" : ""))
        }
    }

    func stopped() { progress?.finish() }
}
