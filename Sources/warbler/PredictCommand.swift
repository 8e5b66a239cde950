// `warbler predict --checkpoint CKPT INPUT... --out OUT.npz`: clip-level and frame-level class
// probabilities of an SED checkpoint for audio files (through the log-mel front-end) or log-mel
// .npy files [n_mels, frames]. Every input is read and checked before the model runs; nothing is
// written unless all inputs succeed (the .npz is written atomically). Inputs of one size run
// through the model together, `--batch` at a time (the model's eval-mode outputs for a clip do
// not depend on the other clips of its batch, up to float32 rounding); inputs of other sizes
// form their own batches.
import ArgumentParser
import Foundation
import WarblerCommandLine
import WarblerAudio
import WarblerDetect
import WarblerFeatures
import WarblerIO
import WarblerModels
import WarblerTensor

struct PredictCommand: LongCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Run an SED checkpoint on audio files or log-mel .npy files; write clipwise and framewise probabilities (.npz).",
        discussion: """
            A .npy input is a log-mel [n_mels, frames] in dB (as `warbler spectrogram` writes); any \
            other input is decoded as audio and goes through the checkpoint's own sample rate and \
            front-end (what it was trained with), or through the front-end options below when any \
            of them is given. Either way the checkpoint's input scaling is applied. Inputs that \
            give log-mels of the same size run through the model --batch at a time; inputs of \
            other sizes form batches of their own. The .npz holds clipwise [N, K] and, when \
            every input has the same frame count, framewise [N, frames, K]; otherwise one \
            framewise_<i> [frames_i, K] per input (i from 0, command-line order). Float32, \
            inputs in command-line order.
            """)

    @Option(help: "Model checkpoint (.safetensors with its config, from `warbler model init` or training).")
    var checkpoint: String

    @Argument(help: "Audio files or log-mel .npy files [n_mels, frames].")
    var inputs: [String]

    @Option(help: "Output .npz.")
    var out: String

    @Flag(
        name: .customLong("fold-batch-norm"),
        help: "Fold the batch norms into the convolutions first (faster; equal up to float32 rounding).")
    var foldBatchNorm = false
    @Option(
        help: "Inputs of the same size per model call (1 to 1024; 1 runs them one at a time). Larger batches are faster up to about 16 and take more memory.")
    var batch = 16

    @OptionGroup var audio: AudioOptions
    @OptionGroup var frontEnd: FrontEndOptions
    @OptionGroup var modelDevice: ModelDeviceOptions
    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        guard out.lowercased().hasSuffix(".npz") else { throw ValidationError("--out must end in .npz (got \(out)).") }
        guard batch >= 1, batch <= 1024 else { throw ValidationError("--batch must be 1 to 1024, not \(batch).") }
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

    func execute() throws {
        try OutputFolder.prepareParent(of: out, option: "--out")
        let model = try SEDModel(checkpoint: checkpoint)
        let contract = try CheckpointContract(checkpoint: checkpoint, classCount: model.config.classes)
        if foldBatchNorm { try model.foldBatchNorm() }
        let target = modelDevice.parsed
        if target != .cpu { try model.move(to: target) }
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
            mels.append(m)
        }
        let k = model.config.classes
        var clipwise = [[Float]](repeating: [], count: inputs.count)
        var framewise = [[Float]](repeating: [], count: inputs.count)
        var done = 0
        for group in Self.batches(sizes: mels.map { [$0.frames, $0.mels] }, batch: batch) {
            let (frames, melCount) = (mels[group[0]].frames, mels[group[0]].mels)
            var values: [Float] = []
            values.reserveCapacity(group.count * frames * melCount)
            for i in group { values += mels[i].values }
            let x = try Tensor(values, shape: [group.count, 1, frames, melCount], device: target)
            let y: SEDOutput
            do {
                y = try GradMode.withoutGradients { modelDevice.bf16 ? try CPUBackend.withBFloat16Convolutions { try model(x) } : try model(x) }
            } catch {
                let names = group.map { inputs[$0] }
                let which = names.count == 1 ? names[0] : "\(names[0]) (and \(names.count - 1) more of its batch)"
                throw FileError(path: which, reason: "could not be run through the model: \(describe(error))")
            }
            let c = y.clipwise.toArray(), f = y.framewise.toArray()
            for (j, i) in group.enumerated() {
                clipwise[i] = Array(c[j * k..<(j + 1) * k])
                framewise[i] = Array(f[j * frames * k..<(j + 1) * frames * k])
            }
            done += group.count
            progress.update(Double(inputs.count + done), detail: "\(done)/\(inputs.count) files through the model")
        }
        progress.finish()
        let n = inputs.count
        var arrays: [(name: String, values: [Float], shape: [Int])] = [("clipwise", clipwise.flatMap { $0 }, [n, k])]
        let sameLength = Set(mels.map(\.frames)).count == 1
        if sameLength {
            arrays.append(("framewise", framewise.flatMap { $0 }, [n, mels[0].frames, k]))
        } else {
            for i in 0..<n { arrays.append(("framewise_\(i)", framewise[i], [mels[i].frames, k])) }
        }
        try NPZ.write(arrays, to: out)
        let frameText = sameLength ? "framewise [\(n), \(mels[0].frames), \(k)]" : "framewise_0...\(n - 1) [frames_i, \(k)]"
        print("\(out): clipwise [\(n), \(k)], \(frameText) from \(checkpoint)")
    }

    /// Input indices in model calls: inputs of equal `sizes` together, in order of first
    /// appearance, at most `batch` per call.
    static func batches(sizes: [[Int]], batch: Int) -> [[Int]] {
        var groups: [[Int]: [Int]] = [:]
        var order: [[Int]] = []
        for (i, s) in sizes.enumerated() {
            if groups[s] == nil { order.append(s) }
            groups[s, default: []].append(i)
        }
        return order.flatMap { s in
            let members = groups[s]!
            return stride(from: 0, to: members.count, by: batch).map { Array(members[$0..<min($0 + batch, members.count)]) }
        }
    }
}
