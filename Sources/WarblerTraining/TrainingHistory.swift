// The record of a run: one entry per epoch (written as JSON lines to metrics.jsonl, rewritten
// whole and atomically each epoch so a resumed run never duplicates a line), and the state a
// resumed run continues from.
import Foundation

public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    /// Optimizer steps taken so far.
    public var step: Int
    public var trainLoss: Double
    public var learningRate: Float
    /// Wall seconds of the epoch, training samples per second, and seconds the model waited for data.
    public var seconds: Double
    public var samplesPerSecond: Double
    public var idleSeconds: Double
    /// Validation: row-wise micro F1 at the tuned global threshold, that threshold, the F1 at
    /// the fixed threshold, macro mAP, padded cmAP and per-class AP.
    public var validationF1: Double
    public var validationThreshold: Float
    public var validationF1AtFixedThreshold: Double
    public var validationMAP: Double?
    public var validationCMAP: Double?
    public var perClassAP: [String: Double]
    /// Mean binary cross-entropy of the clipwise scores over the validation rows and classes
    /// (nil in records written before it was kept).
    public var validationLoss: Double?
    /// The per-class thresholds chosen on this epoch's validation (nil in older records).
    public var perClassThresholds: [Float]?
}

/// Where training stands: enough, with the weights and the optimizer state, to continue exactly.
public struct TrainerState: Codable, Sendable, Equatable {
    /// The epoch in progress (0-based) and its next batch.
    public var epoch = 0
    public var nextBatch = 0
    public var step = 0
    /// Sum of the losses of the epoch in progress so far, and their count.
    public var epochLossSum = 0.0
    public var epochLossCount = 0
    public var bestF1 = -1.0
    public var bestEpoch = -1
    /// The best checkpoint's validation loss, and the highest validation F1 of any epoch
    /// (see `Trainer.isNewBest`); nil in states written before they were kept.
    public var bestLoss: Double?
    public var topF1: Double?
    public var history: [EpochRecord] = []
    public init() {}
}
