// `warbler detect`: the main job. Recordings (files or folders, any length) in; which species
// call when, how sure, out, in the formats people use, plus an HTML report. Interrupted runs
// pick up where they stopped (DetectionRun's journal); a bad file is reported and skipped.
import ArgumentParser
import Foundation
import WarblerAudio
import WarblerDetect
import WarblerFeatures
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
            detections.json; sqlite: detections.sqlite) and report/index.html with a page per \
            recording. Thresholds come from --threshold, else the thresholds.json that training \
            wrote beside the checkpoint (per class), else 0.5.
            """)

    @Option(help: "A checkpoint written by `warbler train` or `warbler model init`.")
    var checkpoint: String
    @Argument(help: "Audio files or folders (searched recursively for wav, flac, ogg, opus, mp3).")
    var inputs: [String]
    @Option(help: "Output folder.")
    var out: String
    @Option(help: "Comma-separated output formats: cornell, csv, raven, audacity, json, sqlite.")
    var format = "cornell,csv,raven,audacity,json"
    @Option(help: "A thresholds file (default: thresholds.json beside the checkpoint, if there).")
    var thresholds: String?
    @Option(help: "One threshold for every class (overrides the thresholds file).")
    var threshold: Float?
    @Option(help: "At most this many species per 5-s row, the most probable first.")
    var topK: Int?
    @Option(help: "Window length, seconds.")
    var window = 5.0
    @Option(help: "Hop between windows, seconds (less than the window: overlapping windows).")
    var hop = 5.0
    @Option(help: "Windows per model call.")
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
        _ = try OutputFormat.list(format)
        if let threshold { guard threshold > 0 && threshold <= 1 else { throw ValidationError("--threshold must be in (0, 1], not \(threshold).") } }
        if let topK { guard topK >= 1 else { throw ValidationError("--top-k must be at least 1, not \(topK).") } }
        guard window > 0, hop > 0, hop <= window else { throw ValidationError("--window and --hop must be positive, the hop no longer than the window.") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1, not \(batch).") }
        guard minDuration >= 0, mergeGap >= 0 else { throw ValidationError("--min-duration and --merge-gap must not be negative.") }
        guard hysteresis > 0 && hysteresis <= 1 else { throw ValidationError("--hysteresis must be in (0, 1], not \(hysteresis).") }
        guard Device(name: device) != nil else { throw ValidationError("--device must be cpu, cuda or cuda:N, not \(device).") }
        if bf16 && device != "cpu" { throw ValidationError("--bf16 is for the CPU (bfloat16 on the GPU is not implemented yet).") }
    }

    func run() throws {
        do {
            try detect()
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
        let files = try AudioInputs.expand(inputs)
        guard !files.isEmpty else { throw DetectError("no audio files in \(inputs.joined(separator: ", "))") }
        let model = try SEDModel(checkpoint: checkpoint)
        let classes = try SEDScorer.classNames(checkpoint: checkpoint, count: model.config.classes)
        let target = Device(name: device)!
        if target != .cpu { try model.move(to: target) }
        let scorer = try SEDScorer(model: model, classes: classes, device: target)
        scorer.bfloat16 = bf16
        let policy = try labelPolicy(classes)
        var config = DetectConfig()
        (config.windowSeconds, config.hopSeconds, config.batchSize) = (window, hop, batch)
        (config.rule.minimumDuration, config.rule.mergeGap, config.rule.offRatio) = (minDuration, mergeGap, hysteresis)
        let detector = try RecordingDetector(scorer: scorer, config: config, policy: policy)
        let identity = try runIdentity(config: config, policy: policy)
        let run = DetectionRun(outDir: out, identity: identity)
        let reportDir = out + "/report"
        let (results, failures) = try run.run(files, detect: { file in
            let meter = ProgressLine(label: (file as NSString).lastPathComponent, total: 1, enabled: true)
            var picture: ReportSpectrogram?
            if !noReport, let info = try? AudioFileInfo(path: file) {
                picture = ReportSpectrogram(bins: detector.frontEnd.config.nMels,
                                            expectedFrames: Int(info.duration * detector.frameRate) + 1)
            }
            let r = try detector.run(path: file, progress: { done, total in meter.update(done / max(total, 1e-9)) },
                                     picture: picture == nil ? nil : { picture!.add($0) })
            meter.finish()
            if let picture { try DetectionReport.write(r, picture: picture, frontEnd: detector.frontEnd, policy: policy, to: reportDir) }
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
        let written = try ResultWriters.write(results, policy: policy, formats: formats, to: out)
        if !noReport { try DetectionReport.writeIndex(results, failures: failures, to: reportDir) }
        print("wrote \(written.count) file\(written.count == 1 ? "" : "s") to \(out)" + (noReport ? "" : "; report: \(reportDir)/index.html"))
        if !failures.isEmpty { throw BatchFailure(failed: failures.count, total: files.count) }
    }

    /// Thresholds: --threshold for all, else the thresholds file's per-class values, else 0.5.
    func labelPolicy(_ classes: [String]) throws -> LabelPolicy {
        if let threshold { return LabelPolicy(classes: classes, thresholds: Array(repeating: threshold, count: classes.count), topK: topK) }
        let path = thresholds ?? ((checkpoint as NSString).deletingLastPathComponent + "/thresholds.json")
        guard FileManager.default.fileExists(atPath: path) else {
            if let thresholds { throw DetectError("\(thresholds): no such file") }
            return LabelPolicy(classes: classes, thresholds: Array(repeating: 0.5, count: classes.count), topK: topK)
        }
        struct File: Decodable { let classes: [String]; let perClass: [Float] }
        guard let data = FileManager.default.contents(atPath: path), let file = try? JSONDecoder().decode(File.self, from: data) else {
            throw DetectError("\(path): not a thresholds file written by warbler train")
        }
        guard file.classes == classes, file.perClass.count == classes.count else {
            throw DetectError("\(path): its classes differ from the checkpoint's")
        }
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
