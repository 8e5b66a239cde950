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
    public var history: [EpochRecord] = []
    public init() {}
}

/// The thresholds file written beside the checkpoints for `warbler detect`.
public struct ThresholdsFile: Codable, Sendable, Equatable {
    public var classes: [String]
    /// The global threshold that maximised validation row-wise F1.
    public var global: Float
    /// Per class, the threshold that maximised that class's validation F1.
    public var perClass: [Float]
    public var epoch: Int
    public var validationF1: Double

    public init(classes: [String], global: Float, perClass: [Float], epoch: Int, validationF1: Double) {
        self.classes = classes
        self.global = global
        self.perClass = perClass
        self.epoch = epoch
        self.validationF1 = validationF1
    }
}
