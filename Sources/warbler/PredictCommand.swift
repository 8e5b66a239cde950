// `warbler predict --checkpoint CKPT INPUT... --out OUT.npz`: clip-level and frame-level class
// probabilities of an SED checkpoint for audio files (through the log-mel front-end) or log-mel
// .npy files [n_mels, frames]. Every input is read and checked before the model runs; nothing is
// written unless all inputs succeed (the .npz is written atomically).
import ArgumentParser
import Foundation
import WarblerAudio
import WarblerDetect
import WarblerFeatures
import WarblerIO
import WarblerModels
import WarblerTensor

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Run an SED checkpoint on audio files or log-mel .npy files; write clipwise and framewise probabilities (.npz).",
        discussion: """
            A .npy input is a log-mel [n_mels, frames] in dB (as `warbler spectrogram` writes); any \
            other input is decoded as audio and goes through the checkpoint's own sample rate and \
            front-end (what it was trained with), or through the front-end options below when any \
            of them is given. Either way the checkpoint's input scaling is applied. All inputs \
            must have the same frame count. The .npz holds clipwise [N, K] and framewise \
            [N, frames, K] (float32), inputs in command-line order.
            """)

    @Option(help: "Model checkpoint (.safetensors with its config, from `warbler model init` or training).")
    var checkpoint: String

    @Argument(help: "Audio files or log-mel .npy files [n_mels, frames].")
    var inputs: [String]

    @Option(help: "Output .npz.")
    var out: String

    @Flag(name: .customLong("fold-batch-norm"),
          help: "Fold the batch norms into the convolutions first (faster; equal up to float32 rounding).")
    var foldBatchNorm = false
    @Flag(help: "Run the convolutions in bfloat16 on the CPU (AVX-512 BF16; float32 where the CPU lacks it).")
    var bf16 = false

    @OptionGroup var audio: AudioOptions
    @OptionGroup var frontEnd: FrontEndOptions
    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        guard out.lowercased().hasSuffix(".npz") else { throw ValidationError("--out must end in .npz (got \(out)).") }
        _ = try frontEnd.validated(sampleRate: audio.sampleRate)
    }

    /// A log-mel as [frames, mels], row-major (the model's time-by-frequency image).
    func logMel(_ input: String, audio: AudioConfig, frontEnd fe: () throws -> FrontEnd) throws -> (frames: Int, mels: Int, values: [Float]) {
        if input.lowercased().hasSuffix(".npy") {
            let a = try NPY.read(input)
            guard a.shape.count == 2, a.shape[0] > 0, a.shape[1] > 0 else {
                throw FileError(path: input, reason: "has shape \(a.shape), but a log-mel .npy must be [n_mels, frames].")
            }
            let (mels, frames) = (a.shape[0], a.shape[1])
            let v = a.floats()
            guard v.allSatisfy({ $0.isFinite }) else { throw FileError(path: input, reason: "contains NaN or infinite values.") }
            var out = [Float](repeating: 0, count: v.count)
            for m in 0..<mels { for t in 0..<frames { out[t * mels + m] = v[m * frames + t] } }
            return (frames, mels, out)
        }
        let clip = try AudioLoader.load(input, config: audio)
        let s = try fe()(clip.samples)
        return (s.frameCount, s.binCount, s.values)
    }

    /// The audio and front-end settings: the checkpoint's contract unless an option differs from
    /// its default (then the options, all of them).
    func settings(_ contract: ModelInput) throws -> (audio: AudioConfig, frontEnd: FrontEndConfig) {
        let given = try frontEnd.validated(sampleRate: audio.sampleRate)
        let defaults = try FrontEndOptions.parse([]).validated(sampleRate: 32_000)
        if given == defaults && audio.sampleRate == 32_000 {
            var a = audio.config
            a.sampleRate = contract.sampleRate
            return (a, contract.frontEnd)
        }
        if given != contract.frontEnd {
            printError("note: the front-end options differ from what \(checkpoint) was trained with; its scores may not mean much")
        }
        return (audio.config, given)
    }

    /// Errors are reported, with their exit status, by `Warbler.exit(reporting:)`.
    func run() throws {
        try runOptions.run {
            try OutputFolder.prepareParent(of: out, option: "--out")
            let model = try SEDModel(checkpoint: checkpoint)
            let contract = try CheckpointContract(checkpoint: checkpoint, classCount: model.config.classes)
            if foldBatchNorm { try model.foldBatchNorm() }
            let (audioConfig, frontEndConfig) = try settings(contract.input)
            var frontEndCache: FrontEnd?
            func fe() throws -> FrontEnd {
                if let f = frontEndCache { return f }
                let f = try FrontEnd(config: frontEndConfig, threads: runOptions.threadCount)
                frontEndCache = f
                return f
            }
            var mels: [(frames: Int, mels: Int, values: [Float])] = []
            // Each input counts once read and once through the model.
            let progress = ProgressLine(label: "predict", total: Double(2 * inputs.count), enabled: !runOptions.quiet)
            for input in inputs {
                progress.update(Double(mels.count), detail: "\(mels.count)/\(inputs.count) files read")
                var m: (frames: Int, mels: Int, values: [Float])
                do { m = try logMel(input, audio: audioConfig, frontEnd: fe) } catch {
                    // Name the file in front-end errors too (a 1-sample recording, say).
                    if describe(error).hasPrefix(input + ":") { throw error }
                    throw FileError(path: input, reason: describe(error))
                }
                contract.input.normalization.apply(to: &m.values)
                guard m.frames >= 32, m.mels >= 32 else {
                    throw FileError(path: input, reason: "gives a \(m.mels) x \(m.frames) log-mel; the model needs at least 32 mel bins and 32 frames.")
                }
                if let first = mels.first, first.frames != m.frames || first.mels != m.mels {
                    throw FileError(path: input, reason: "gives a \(m.mels) x \(m.frames) log-mel but \(inputs[0]) gives \(first.mels) x \(first.frames); predict inputs of different sizes separately.")
                }
                mels.append(m)
            }
            var clipwise: [Float] = [], framewise: [Float] = []
            let k = model.config.classes
            for (index, (input, m)) in zip(inputs, mels).enumerated() {
                progress.update(Double(inputs.count + index), detail: "\(index)/\(inputs.count) files through the model")
                let x = try Tensor(m.values, shape: [1, 1, m.frames, m.mels])
                let y: SEDOutput
                do {
                    y = try GradMode.withoutGradients { bf16 ? try CPUBackend.withBFloat16Convolutions { try model(x) } : try model(x) }
                } catch {
                    throw FileError(path: input, reason: "could not be run through the model: \(describe(error))")
                }
                clipwise += y.clipwise.toArray()
                framewise += y.framewise.toArray()
            }
            progress.finish()
            let n = inputs.count, frames = mels[0].frames
            try NPZ.write([("clipwise", clipwise, [n, k]), ("framewise", framewise, [n, frames, k])], to: out)
            print("\(out): clipwise [\(n), \(k)], framewise [\(n), \(frames), \(k)] from \(checkpoint)")
        }
    }
}
