// Dropout as a module (torch.nn.Dropout): active in training mode only, with its own seeded
// generator so a run is reproducible. No parameters.
import WarblerTensor

public final class Dropout: Module {
    /// Probability of zeroing each element, in [0, 1).
    public let probability: Float
    /// Draws the masks; reseed it to replay a run.
    public var generator: SeededGenerator

    public init(probability: Float = 0.5, seed: UInt64 = 0) throws {
        guard probability >= 0 && probability < 1 else {
            throw TensorError("Dropout", "probability \(probability) is not in [0, 1)")
        }
        self.probability = probability
        generator = SeededGenerator(seed: seed)
    }

    /// x: any shape -> same shape. In training, zeroes each element with `probability` and
    /// scales the rest by 1 / (1 - probability); in evaluation, returns x unchanged.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try x.dropout(probability, training: isTraining, generator: &generator)
    }
}
