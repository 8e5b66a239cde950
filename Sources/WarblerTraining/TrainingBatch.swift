// A batch as the model consumes it: log-mel features [B, frames, mels] (the model's
// [B, 1, T, F] input) and label vectors [B, K], plus where each row came from.
import Foundation
import WarblerTensor

public struct TrainingBatch: Sendable {
    public let epoch: Int
    /// Batch number within the epoch (or within the validation pass).
    public let index: Int
    public let batchSize: Int
    /// Frames per clip (time axis).
    public let frames: Int
    /// Mel bins per frame.
    public let mels: Int
    /// Classes per label vector.
    public let classes: Int
    /// Log-mel values, [batchSize, frames, mels] row-major (dB).
    public var features: [Float]
    /// Label vectors, [batchSize, classes] row-major, each in [0, 1].
    public var labels: [Float]
    /// Per row: the data entry of its first call (training) or of its window (validation);
    /// -1 for a clip with no call.
    public var files: [Int]
    /// Per row: the window's first sample in its recording (validation); 0 in training.
    public var offsets: [Int]

    /// Row `b`'s label vector.
    public func labelVector(_ b: Int) -> ArraySlice<Float> { labels[(b * classes)..<((b + 1) * classes)] }

    /// The features as a [B, 1, frames, mels] tensor on `device`.
    public func featureTensor(device: Device = .cpu) throws -> Tensor {
        try Tensor(features, shape: Shape([batchSize, 1, frames, mels]), device: device)
    }

    /// The labels as a [B, K] tensor on `device`.
    public func labelTensor(device: Device = .cpu) throws -> Tensor {
        try Tensor(labels, shape: Shape([batchSize, classes]), device: device)
    }
}
