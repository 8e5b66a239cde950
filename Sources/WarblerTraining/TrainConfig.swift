// The trainer's settings (the optimisation half of the recipe; the data and augmentation
// settings live with the batch loader). Units in the comments.
import Foundation

public struct TrainConfig: Codable, Sendable, Equatable {
    public var epochs = 10
    public var seed: UInt64 = 0
    /// AdamW: peak learning rate, weight decay, betas.
    public var learningRate: Float = 1e-3
    public var weightDecay: Float = 1e-2
    /// Linear warm-up over this share of all steps, then a cosine decay to 0.
    public var warmupShare = 0.05
    /// Weight of the BCE on the max over time of the framewise output (0: off), added to the
    /// BCE on the clipwise output.
    public var framewiseLossWeight: Float = 0.5
    /// Targets become y (1 - s) + s / 2 (0: off).
    public var labelSmoothing: Float = 0
    /// Gradient clipping by global norm (nil: off).
    public var clipNorm: Float? = 5
    /// Exponential moving average of the weights for validation and checkpoints (nil: off).
    public var emaDecay: Float? = nil
    /// Threshold used for the training log's F1 before thresholds are tuned.
    public var threshold: Float = 0.5
    /// Epochs whose validation F1 is within this of the best epoch's compete for the best
    /// checkpoint on validation loss (see `Trainer.isNewBest`).
    public var bestF1Tolerance = 0.01

    public init() {}

    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw TrainingError(message) } }
        try check(epochs >= 1, "epochs must be at least 1, not \(epochs)")
        try check(learningRate > 0, "the learning rate must be positive, not \(learningRate)")
        try check(weightDecay >= 0, "the weight decay must not be negative")
        try check(warmupShare >= 0 && warmupShare < 1, "the warm-up share must be in [0, 1), not \(warmupShare)")
        try check(framewiseLossWeight >= 0, "the framewise loss weight must not be negative")
        try check(labelSmoothing >= 0 && labelSmoothing < 1, "label smoothing must be in [0, 1), not \(labelSmoothing)")
        try check(clipNorm.map { $0 > 0 } ?? true, "the clipping norm must be positive")
        try check(emaDecay.map { $0 > 0 && $0 < 1 } ?? true, "the EMA decay must be in (0, 1)")
        try check(bestF1Tolerance >= 0 && bestF1Tolerance < 1, "the best-checkpoint F1 tolerance must be in [0, 1)")
    }
}

public struct TrainingError: Error, CustomStringConvertible, LocalizedError, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}
