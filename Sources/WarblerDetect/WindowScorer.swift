// What detection needs from a model: class names, and for a batch of log-mel windows the
// clipwise probabilities and framewise probabilities at the input frame rate. The SED model
// (WarblerModels) is adapted to this; tests use simple scorers.
import Foundation
import WarblerFeatures

public struct WindowPrediction: Sendable {
    /// [classes]
    public var clipwise: [Float]
    /// [frames][classes], frames as in the input spectrogram.
    public var framewise: [[Float]]

    public init(clipwise: [Float], framewise: [[Float]]) {
        self.clipwise = clipwise
        self.framewise = framewise
    }
}

public protocol WindowScorer {
    var classes: [String] { get }
    /// One prediction per spectrogram ([mels, frames] each, the same shape).
    func score(_ windows: [Spectrogram]) throws -> [WindowPrediction]
}
