// The SED model as the trainer sees it.
import WarblerModels
import WarblerNN
import WarblerTensor

extension SEDModel: ClipModel {
    public func scores(_ x: Tensor) throws -> (clipwise: Tensor, framewise: Tensor) {
        let out = try self(x)
        return (out.clipwise, out.framewise)
    }

    public func loadWeights(_ stateDict: [String: Tensor]) throws {
        _ = try load(stateDict: stateDict, strict: true)
    }

    public func setTraining(_ training: Bool) { train(training) }

    /// The model's only random stream is its dropout (the GRU has one layer by default; a
    /// deeper GRU's inter-layer dropout is reseeded with it).
    public func reseed(_ seed: UInt64) { dropout.generator = SeededGenerator(seed: seed) }
}
