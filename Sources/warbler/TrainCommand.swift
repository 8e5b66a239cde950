// `warbler train`: a folder of labelled recordings in, a checkpoint out, with the seed's recipe
// (WarblerTraining's `TrainingJob` assembles and runs it; the command parses and prints). Prints a progress line (loss, throughput, ETA) and one line per epoch;
// writes best.safetensors, last.safetensors (+ last.state.safetensors for --resume),
// thresholds.json, metrics.jsonl, curves.png and train_config.json into --out.
import ArgumentParser
import Foundation
import WarblerCommandLine
import WarblerTraining

struct TrainCommand: LongCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a detector on labelled recordings (the Cornell silver-medal recipe).",
        discussion: """
            --manifest is a BirdCLEF train.csv (primary_label, secondary_labels, filename under \
            --audio-root), a Cornell 2020 train.csv (ebird_code, filename under \
            <audio-root>/<ebird_code>/), or a folder with one subfolder of recordings per species. \
            The default architecture, warbler-small, trains in minutes on a laptop CPU; \
            --arch resnest50d is the seed's.

            The defaults are made for a handful of recordings per species and noisy field audio: \
            10 epochs of 1024 class-balanced examples (640 steps of 16, whatever the number of \
            files); 20 % of examples are noise alone with no label; 80 % get white, pink, brown or \
            wind-like field noise at 0-25 dB; calls are peak-normalised and set to a random level; \
            validation mixes the held-out calls into noise and adds noise-only windows, and picks \
            the thresholds and the best epoch on that. On birds5 (31 recordings) this takes about \
            7 minutes on 2 Zen 4 cores (11 on 2 Zen 3 cores without AVX-512); --epochs and \
            --examples-per-epoch scale it linearly.

            --init-from CKPT fine-tunes an existing model: train on 3 species, then \
            `warbler train --manifest five_species/ --init-from run3/best.safetensors --out run5` \
            keeps the backbone and GRU, and the head rows of the 3 known species, and starts the \
            2 new species' rows fresh (one line says what was loaded). --arch and --gru-hidden \
            come from the checkpoint and may not contradict it. With --resume the weights come \
            from the run's state; the --init-from file must be the same one. See docs/training.md.
            """)

    @OptionGroup var options: TrainOptions
    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var runOptions: RunOptions

    func execute() throws {
        let (out, epochs) = (options.out, options.epochs)
        let printer = TrainPrinter(quiet: runOptions.quiet, epochs: epochs)
        let job = try TrainingJob(options.settings(device: deviceOptions.parsed, threads: runOptions.threadCount), observer: printer) {
            try OutputFolder.prepare($0, option: "--out")
        }
        let best: (bestEpoch: Int, bestF1: Double)
        do {
            best = try job.train()
        } catch is TrainingNotStarted {
            throw Interruption.stop("stopping before training started; start again with the same command")
        } catch let e as TrainingInterrupted {
            printer.meter?.finish()
            throw Interruption.stop(
                "stopping after step \(e.step) (next: epoch \(e.epoch), batch \(e.batch + 1)); \(out)/last.state.safetensors "
                    + "holds that point; resume with the same command and --resume")
        }
        print("best: epoch \(best.bestEpoch), validation row-wise F1 \(String(format: "%.3f", best.bestF1))")
        print("wrote \(out)/best.safetensors, last.safetensors, thresholds.json, metrics.jsonl, curves.png")
    }
}

/// Prints a training run as it goes: status lines, skipped recordings on standard error, the
/// progress line and one line per epoch; a stop asked for by a signal (`Interruption`).
final class TrainPrinter: TrainingJobObserver {
    let quiet: Bool
    let epochs: Int
    var meter: ProgressLine?
    var stepsPerEpoch = 1

    init(quiet: Bool, epochs: Int) { (self.quiet, self.epochs) = (quiet, epochs) }

    func say(_ line: String) { print(line) }
    func warn(_ line: String) { printError(line) }
    func readyToStop() { Interruption.install() }
    var stopRequested: Bool { Interruption.requested }

    func starting(totalSteps total: Int, done: Int) {
        meter = ProgressLine(label: "train", total: Double(total), enabled: !quiet)
        meter?.reused = Double(done)
        stepsPerEpoch = max(1, total / epochs)
    }

    func step(_ step: Int, of total: Int, loss: Double, examplesPerSecond rate: Double) {
        meter?.update(
            Double(step),
            detail: String(
                format: "epoch %d/%d, step %d/%d, loss %.4f, %.1f examples/s",
                min(epochs, (step - 1) / stepsPerEpoch + 1), epochs, step, total, loss, rate))
    }

    func epochDone(_ r: EpochRecord) {
        meter?.finish()
        print(
            String(
                format: "epoch %d/%d: loss %.4f, validation F1 %.3f (threshold %.2f), mAP %@, %.1f clips/s, model idle %.1f s",
                r.epoch, epochs, r.trainLoss, r.validationF1, r.validationThreshold,
                r.validationMAP.map { String(format: "%.3f", $0) } ?? "-", r.samplesPerSecond, r.idleSeconds))
    }
}
