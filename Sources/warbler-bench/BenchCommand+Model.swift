// `warbler-bench model`: SED inference and training throughput of a checkpoint on random
// log-mels, for bench/models.py (one JSON line per measurement, with the process's peak RSS).
import ArgumentParser
import Foundation
import WarblerCommandLine
import WarblerModels
import WarblerNN
import WarblerTensor

extension BenchCommand {
    struct ModelBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "model", abstract: "Time SED inference (eval, no gradients) or training steps (AdamW, BCE) of a checkpoint.")

        @Option(help: "Model checkpoint (.safetensors with its config).")
        var checkpoint: String
        @Option(help: "inference or training.")
        var mode = Choice(Mode.inference)
        enum Mode: String, CaseIterable { case inference, training }
        var training: Bool { mode.text == Mode.training.rawValue }
        @Option(help: "Batch size.")
        var batch: Int = 1
        @Option(help: "Frames per clip (501 = 5 s).")
        var frames: Int = 501
        @Option(help: "Mel bins per clip.")
        var mels: Int = 128
        @Option(help: "Timed repetitions.")
        var repeats: Int = 3
        @Option(help: "Untimed runs first.")
        var warmup: Int = 1
        @Flag(name: .customLong("fold-batch-norm"), help: "Inference only: fold the batch norms into the convolutions first.")
        var foldBatchNorm = false
        @OptionGroup var modelDevice: ModelDeviceOptions
        var device: String { modelDevice.device }
        var bf16: Bool { modelDevice.bf16 }

        func validate() throws {
            _ = try mode.value(option: "--mode")
            guard batch >= 1, repeats >= 1, warmup >= 0 else { throw ValidationError("--batch and --repeats must be positive.") }
            if training && batch < 2 { throw ValidationError("training needs --batch of at least 2 (batch norm statistics).") }
            if training && foldBatchNorm { throw ValidationError("--fold-batch-norm is for inference: a folded model cannot train.") }
            if bf16 && (training || device != "cpu") { throw ValidationError("--bf16 is for inference on the CPU.") }
        }

        /// The process's peak resident set (VmHWM), MiB.
        static func peakRSS() -> Double {
            guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
            for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
                return kb / 1024
            }
            return 0
        }

        func run() throws {
            let model = try SEDModel(checkpoint: checkpoint)
            let target = modelDevice.parsed
            var generator = SeededGenerator(seed: 1)
            let x = try Init.uniform([batch, 1, frames, mels], bound: 40, generator: &generator).detached().on(target)
            let k = model.config.classes
            let y = try Tensor(
                (0..<(batch * k)).map { _ in Float(Int.random(in: 0...1, using: &generator)) }, shape: [batch, k],
                device: target)
            let timing: (median: Double, all: [Double])
            if !training {
                model.eval()
                if foldBatchNorm { try model.foldBatchNorm() }
                try model.move(to: target)
                if bf16 && !CPUBackend.hasBFloat16Convolutions {
                    throw ValidationError("--bf16: this CPU has no bf16 convolutions (AVX-512 BF16).")
                }
                timing = try BenchCommand.median(repeats: repeats, warmup: warmup) {
                    // Reading the (small) clipwise output back waits for the device to finish.
                    let out = try GradMode.withoutGradients {
                        bf16 ? try CPUBackend.withBFloat16Convolutions { try model(x) } : try model(x)
                    }
                    _ = out.clipwise.toArray()
                }
            } else {
                model.train()
                try model.move(to: target)  // AdamW then updates on the device (Adam.tensorStep)
                let optimizer = try AdamW(parameters: model.parameterTensors(), learningRate: 1e-4)
                timing = try BenchCommand.median(repeats: repeats, warmup: warmup) {
                    optimizer.zeroGrad()
                    let loss = try model(x).clipwise.binaryCrossEntropy(target: y)
                    try loss.backward()
                    try optimizer.step()
                }
            }
            BenchCommand.emit([
                "tool": "warbler", "mode": mode.text + (foldBatchNorm ? " folded" : "") + (bf16 ? " bf16" : ""), "batch": batch, "arch": model.config.arch,
                "device": device,
                "median_ms": timing.median, "runs_ms": timing.all,
                "samples_per_s": Double(batch) / (timing.median / 1000), "peak_rss_mib": Self.peakRSS(),
            ])
        }
    }
}
