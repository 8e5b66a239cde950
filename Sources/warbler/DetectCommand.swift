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
    var inputs: [String]
    @Option(help: "Output folder.")
    var out: String
    @Option(help: "Comma-separated output formats: cornell, csv, raven, audacity, json, sqlite.")
    var format = "cornell,csv,raven,audacity,json"
    @Option(help: "A thresholds file (default: the checkpoint's own thresholds, else thresholds.json beside it).")
    var thresholds: String?
    @Option(help: "One threshold for every class (overrides the thresholds file).")
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
    @Flag(help: "Run the model's convolutions in bfloat16 on the CPU (AVX-512 BF16; about 1.25x faster at batch 16, scores within ~1e-2).")
    var bf16 = false

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
    }

    func run() throws {
        do {
            try detect()
        } catch let e as ExitCode {
            throw e
        } catch let e as BatchFailure {
            printError(e.description)
            throw ExitCode.failure
        } catch {
            printError(describe(error))
            throw ExitCode.failure
        }
    }

    func detect() throws {
        let formats = try OutputFormat.list(format)
        try OutputFolder.prepare(out, option: "--out")
        let files = try AudioInputs.expand(inputs)
        guard !files.isEmpty else { throw DetectError("no audio files in \(inputs.joined(separator: ", "))") }
        let model = try SEDModel(checkpoint: checkpoint)
        let contract = try CheckpointContract(checkpoint: checkpoint, classCount: model.config.classes)
        let classes = contract.classes
        let target = Device(name: device)!
        if target != .cpu { try model.move(to: target) }
        let scorer = try SEDScorer(model: model, classes: classes, device: target, normalization: contract.input.normalization)
        scorer.bfloat16 = bf16
        let policy = try labelPolicy(classes, stored: contract.thresholds)
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
        let identity = try runIdentity(config: config, policy: policy)
        // One run per output folder; with the folder ours, clear what a killed run left behind.
        let lock = try RunLock(folder: out)
        defer { lock.release() }
        lock.removeStaleTemporaryFiles()
        Interruption.install()
        let run = DetectionRun(outDir: out, identity: identity)
        run.shouldStop = { Interruption.requested }
        let reportDir = out + "/report"
        // Files of the run's outputs that could not be written (a full disk), with the cause.
        var writeFailures: [(path: String, reason: String)] = []
        let results: [RecordingResult], failures: [(path: String, reason: String)]
        do {
            (results, failures) = try run.run(files, detect: { file in
                let meter = ProgressLine(label: (file as NSString).lastPathComponent, total: 1, enabled: true)
                var picture: ReportSpectrogram?
                if !noReport, let info = try? AudioFileInfo(path: file) {
                    picture = ReportSpectrogram(bins: detector.frontEnd.config.nMels,
                                                expectedFrames: Int(min(info.duration * detector.frameRate, Double(Int32.max))) + 1)
                }
                let r = try detector.run(path: file, progress: { done, total in meter.update(done / max(total, 1e-9)) },
                                         picture: picture == nil ? nil : { picture!.add($0) })
                meter.finish()
                if let picture {
                    // A report page that cannot be written is an output failure, not the recording's.
                    do { try DetectionReport.write(r, picture: picture, frontEnd: detector.frontEnd, policy: policy, to: reportDir) } catch {
                        writeFailures.append(("\(reportDir)/\(DetectionReport.pageName(for: r.recording)).html", describe(error)))
                    }
                }
                return r
            }, report: { file, outcome in
                switch outcome {
                case .detected(let r), .reused(let r):
                    let species = Set(r.events.map(\.label)).sorted()
                    let reused: Bool = { if case .reused = outcome { return true } else { return false } }()
                    print("\(file): \(r.events.count) detection\(r.events.count == 1 ? "" : "s")"
                          + (species.isEmpty ? "" : " (\(species.joined(separator: ", ")))") + (reused ? " [done earlier]" : ""))
                case .failed(let reason):
                    printError(reason)
                }
            })
        } catch let e as DetectionInterrupted {
            throw Interruption.stop("stopping after \(e.finished) of \(e.total) recordings (journalled in \(out)/.journal; "
                                    + "no result files written); resume with the same command")
        }
        writeFailures += run.journalFailures
        let outcome = try ResultWriters.writeEach(results, policy: policy, formats: formats, to: out)
        writeFailures += outcome.failed
        if !noReport {
            do { try DetectionReport.writeIndex(results, failures: failures, to: reportDir) } catch {
                writeFailures.append((reportDir + "/index.html", describe(error)))
            }
        }
        let written = outcome.written
        print("wrote \(written.count) file\(written.count == 1 ? "" : "s") to \(out)"
              + (noReport || writeFailures.contains { $0.path.hasSuffix("index.html") } ? "" : "; report: \(reportDir)/index.html"))
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

    /// Thresholds: --threshold for all, else --thresholds' per-class values, else those stored in
    /// the checkpoint, else a thresholds.json beside it (checkpoints from before thresholds were
    /// stored in them), else 0.5.
    func labelPolicy(_ classes: [String], stored: ThresholdsFile?) throws -> LabelPolicy {
        if let threshold { return LabelPolicy(classes: classes, thresholds: Array(repeating: threshold, count: classes.count), topK: topK) }
        if thresholds == nil, let stored { return LabelPolicy(classes: classes, thresholds: stored.perClass, topK: topK) }
        let path = thresholds ?? ((checkpoint as NSString).deletingLastPathComponent + "/thresholds.json")
        guard FileManager.default.fileExists(atPath: path) else {
            if let thresholds { throw DetectError("\(thresholds): no such file") }
            return LabelPolicy(classes: classes, thresholds: Array(repeating: 0.5, count: classes.count), topK: topK)
        }
        guard let data = FileManager.default.contents(atPath: path), let file = try? JSONDecoder().decode(ThresholdsFile.self, from: data) else {
            throw DetectError("\(path): not a thresholds file written by warbler train")
        }
        try file.validate(classes: classes, source: path)
        return LabelPolicy(classes: classes, thresholds: file.perClass, topK: topK)
    }

    /// What makes results reusable: the checkpoint's bytes (size and time) and every setting.
    func runIdentity(config: DetectConfig, policy: LabelPolicy) throws -> String {
        let attributes = try FileManager.default.attributesOfItem(atPath: checkpoint)
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let settings = String(decoding: try e.encode(config), as: UTF8.self) + String(decoding: try e.encode(policy), as: UTF8.self)
        return "\(URL(fileURLWithPath: checkpoint).standardizedFileURL.path)|\(attributes[.size] ?? 0)|"
            + "\((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)|\(settings)"
    }
}
