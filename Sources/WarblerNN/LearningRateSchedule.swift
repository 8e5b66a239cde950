// Learning-rate schedules as pure functions of the optimizer step, so a resumed run needs only
// the step count. The rate for step k (0-based) equals what the PyTorch scheduler reports after
// k calls to scheduler.step(); set `optimizer.learningRate` from it before each step.
import Foundation

public protocol LearningRateSchedule: Sendable {
    /// The learning rate for optimizer step `step` (0 for the first).
    func learningRate(at step: Int) -> Float
}

/// Linear warm-up from 0, then a cosine decay to 0, as transformers'
/// get_cosine_schedule_with_warmup (num_cycles 0.5 by default):
///   step < warmup:  base * step / max(1, warmup)
///   otherwise:      base * max(0, 0.5 * (1 + cos(pi * 2 * cycles * progress))),
///   progress = (step - warmup) / max(1, total - warmup).
/// Note the first step's rate is 0 when there is a warm-up, as there.
public struct CosineWarmupSchedule: LearningRateSchedule {
    public var baseLearningRate: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    public var cycles: Double

    public init(baseLearningRate: Float, warmupSteps: Int, totalSteps: Int, cycles: Double = 0.5) {
        self.baseLearningRate = baseLearningRate
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.cycles = cycles
    }

    public func learningRate(at step: Int) -> Float {
        let factor: Double
        if step < warmupSteps {
            factor = Double(step) / Double(max(1, warmupSteps))
        } else {
            let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
            factor = max(0, 0.5 * (1 + cos(Double.pi * cycles * 2 * progress)))
        }
        return Float(Double(baseLearningRate) * factor)
    }
}

/// Multiplies the rate by `gamma` every `stepSize` steps (torch.optim.lr_scheduler.StepLR):
/// base * gamma^(step / stepSize), integer division.
public struct StepDecaySchedule: LearningRateSchedule {
    public var baseLearningRate: Float
    public var stepSize: Int
    public var gamma: Float

    public init(baseLearningRate: Float, stepSize: Int, gamma: Float = 0.1) {
        precondition(stepSize > 0, "StepDecaySchedule: stepSize must be positive, got \(stepSize)")
        self.baseLearningRate = baseLearningRate
        self.stepSize = stepSize
        self.gamma = gamma
    }

    public func learningRate(at step: Int) -> Float {
        Float(Double(baseLearningRate) * pow(Double(gamma), Double(max(0, step) / stepSize)))
    }
}
