// The SED model as detection sees it: a batch of log-mel windows in (scaled by the checkpoint's
// input normalization), clipwise and framewise probabilities out (evaluation mode, no gradients).
import Foundation
import WarblerFeatures
import WarblerIO
import WarblerModels
import WarblerNN
import WarblerTensor

public final class SEDScorer: WindowScorer {
    public let model: SEDModel
    public let classes: [String]
    public let device: Device
    /// Convolutions in bfloat16 on the CPU (AVX-512 BF16; float32 where the CPU lacks it).
    public var bfloat16 = false
    /// Applied to the log-mel values before the model (the checkpoint's input contract).
    public let normalization: InputNormalization

    public init(model: SEDModel, classes: [String], device: Device = .cpu, normalization: InputNormalization = .identity) throws {
        guard classes.count == model.config.classes else {
            throw DetectError("the model has \(model.config.classes) classes but \(classes.count) class names were given")
        }
        self.model = model
        self.classes = classes
        self.device = device
        self.normalization = normalization
        model.eval()
    }

    public func score(_ windows: [Spectrogram]) throws -> [WindowPrediction] {
        guard let first = windows.first else { return [] }
        let (b, t, f, k) = (windows.count, first.frameCount, first.binCount, classes.count)
        var values: [Float] = []
        values.reserveCapacity(b * t * f)
        for w in windows {
            precondition(w.frameCount == t && w.binCount == f, "SEDScorer: windows of different sizes in one batch")
            values += w.values
        }
        normalization.apply(to: &values)
        let x = try Tensor(values, shape: [b, 1, t, f], device: device)
        let out = try GradMode.withoutGradients {
            bfloat16 && device == .cpu ? try CPUBackend.withBFloat16Convolutions { try model(x) } : try model(x)
        }
        let clip = out.clipwise.toArray(), frames = out.framewise.toArray()
        let tOut = out.framewise.shape[1]
        return (0..<b).map { i in
            WindowPrediction(
                clipwise: Array(clip[i * k..<(i + 1) * k]),
                framewise: (0..<tOut).map { j in Array(frames[(i * tOut + j) * k..<(i * tOut + j + 1) * k]) })
        }
    }
}
