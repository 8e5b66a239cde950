// What the trainer needs from a model and from the data, kept small so the trainer can be
// tested with a tiny model and synthetic batches. The SED model (WarblerModels) and the batch
// loader (BatchLoader) conform.
import WarblerTensor

/// A model that scores clips: x [B, 1, frames, mels] -> clipwise [B, K] and framewise
/// [B, frames', K] probabilities.
public protocol ClipModel: AnyObject {
    func scores(_ x: Tensor) throws -> (clipwise: Tensor, framewise: Tensor)
    /// Trainable parameters by PyTorch-style name.
    func parameters() -> [(String, Tensor)]
    /// Parameters and buffers (batch-norm statistics) by name.
    func stateDict() -> [String: Tensor]
    func loadWeights(_ stateDict: [String: Tensor]) throws
    /// Training mode (dropout, batch statistics) or evaluation.
    func setTraining(_ training: Bool)
    /// Reseeds every random stream inside the model (dropout), so a step replays exactly.
    func reseed(_ seed: UInt64)
}

/// One training batch: inputs [B, 1, frames, mels] and targets [B, K] in [0, 1].
public struct ModelBatch {
    public var inputs: Tensor
    public var targets: Tensor
    public init(inputs: Tensor, targets: Tensor) {
        self.inputs = inputs
        self.targets = targets
    }
}

/// Where batches come from: batch `index` of `epoch` is the same whenever it is asked for
/// (so a resumed run sees the data an uninterrupted one would).
public protocol TrainingBatchSource {
    var batchesPerEpoch: Int { get }
    func batch(epoch: Int, index: Int) throws -> ModelBatch
    /// Seconds the consumer has waited for batches so far (model-idle time).
    var waitSeconds: Double { get }
}

/// The validation set: 5-s segments with their true labels (row-wise, as the challenge scores).
public struct ValidationSet {
    /// [N, 1, frames, mels] in chunks of at most a batch each.
    public var inputs: [Tensor]
    /// The true labels of each row, in input order.
    public var truth: [Set<String>]
    public init(inputs: [Tensor], truth: [Set<String>]) {
        self.inputs = inputs
        self.truth = truth
    }
}
