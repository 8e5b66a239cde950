// `warbler-bench export-batches`: the exact batches `warbler train` with the same options would
// see (every step's augmented log-mels and targets), the validation windows and the initial
// weights, written as .npy and safetensors for bench/train.py's PyTorch reference and
// `warbler-bench train-replay`. TrainingJob assembles the run exactly as training does.
import ArgumentParser
import Foundation
import WarblerCommandLine
import WarblerTraining

struct ExportBatchesCommand: LongCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-batches",
        abstract: "Write every training batch, the validation set and the initial weights of a `warbler train` run, then stop.",
        discussion: """
            Takes the options of `warbler train` (--out is the run folder for its lock and audio \
            cache) and writes into --batches e<epoch>_b<index>_x.npy [B, 1, frames, mels] and \
            _y.npy [B, K] for every step, val_<i>_x.npy for the validation windows, meta.json \
            (classes, truth rows) and init.safetensors (the weights training would start from).
            """)

    @Option(help: "Folder for the batches (made if missing).")
    var batches: String
    @OptionGroup var options: TrainOptions
    @OptionGroup var runOptions: RunOptions

    func execute() throws {
        let job = try TrainingJob(options.settings(device: .cpu, threads: runOptions.threadCount), observer: ExportPrinter()) {
            try OutputFolder.prepare($0, option: "--out")
        }
        try OutputFolder.prepare(batches, option: "--batches")
        print(try job.exportBatches(to: batches))
    }
}

/// Prints the run's status lines; nothing trains, so no progress.
final class ExportPrinter: TrainingJobObserver {
    func say(_ line: String) { print(line) }
    func warn(_ line: String) { printError(line) }
    func readyToStop() { Interruption.install() }
    var stopRequested: Bool { Interruption.requested }
    func starting(totalSteps total: Int, done: Int) {}
    func step(_ step: Int, of total: Int, loss: Double, examplesPerSecond: Double) {}
    func epochDone(_ record: EpochRecord) {}
}
