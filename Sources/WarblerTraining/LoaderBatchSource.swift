// The data pipeline as the trainer sees it: training batches from a BatchLoader per epoch
// (started again at the asked batch when the trainer resumes mid-epoch), and the validation
// windows gathered once into tensors with their true labels.
import Foundation
import WarblerFeatures
import WarblerTensor

public final class LoaderBatchSource: TrainingBatchSource {
    public let composer: ExampleComposer
    public let frontEnd: FrontEndConfig
    public let config: LoaderConfig
    /// Applied to every log-mel value (the model's input contract).
    public let normalization: InputNormalization
    public let batchesPerEpoch: Int
    private var loader: BatchLoader?
    private var loaderEpoch = -1
    private var expected = 0
    private var waitedBefore = 0.0

    public init(
        composer: ExampleComposer, frontEnd: FrontEndConfig, config: LoaderConfig,
        normalization: InputNormalization = .identity
    ) throws {
        try config.validate()
        self.composer = composer
        self.frontEnd = frontEnd
        self.config = config
        self.normalization = normalization
        batchesPerEpoch = (config.examplesPerEpoch ?? composer.data.count) / config.batchSize
    }

    deinit { loader?.cancel() }

    public var waitSeconds: Double { waitedBefore + (loader?.waitedSeconds ?? 0) }

    public func batch(epoch: Int, index: Int) throws -> ModelBatch {
        if loader == nil || loaderEpoch != epoch || index != expected {
            waitedBefore += loader?.waitedSeconds ?? 0
            loader?.cancel()
            loader = try BatchLoader.training(
                composer: composer, frontEnd: frontEnd, config: config, epoch: epoch, startBatch: index,
                normalization: normalization)
            loaderEpoch = epoch
        }
        guard let b = try loader!.next() else {
            throw TrainingError("the loader ended before batch \(index + 1) of epoch \(epoch + 1)")
        }
        expected = index + 1
        return ModelBatch(inputs: try b.featureTensor(), targets: try b.labelTensor())
    }

    /// Every validation window once (unaugmented), batched, with each row's labels (a label
    /// counts when its target is at least 0.5).
    public static func validationSet(
        data: TrainingData, crop: CropConfig, frontEnd: FrontEndConfig,
        config: LoaderConfig, normalization: InputNormalization = .identity
    ) throws -> ValidationSet {
        try collect(BatchLoader.validation(data: data, crop: crop, frontEnd: frontEnd, config: config, normalization: normalization), data: data)
    }

    /// The field-like validation set (`FieldValidation`): the validation recordings' calls in
    /// noise at several SNRs, pairs of species, and noise alone.
    public static func fieldValidationSet(
        data: TrainingData, crop: CropConfig, frontEnd: FrontEndConfig, config: LoaderConfig,
        field: FieldValidationConfig, seed: UInt64,
        normalization: InputNormalization = .identity
    ) throws -> ValidationSet {
        try collect(
            BatchLoader.fieldValidation(
                data: data, crop: crop, frontEnd: frontEnd, config: config, field: field, seed: seed,
                normalization: normalization), data: data)
    }

    private static func collect(_ loader: BatchLoader, data: TrainingData) throws -> ValidationSet {
        var inputs: [Tensor] = [], truth: [Set<String>] = []
        while let b = try loader.next() {
            inputs.append(try b.featureTensor())
            for row in 0..<b.batchSize {
                let y = b.labelVector(row)
                truth.append(Set(y.indices.filter { y[$0] >= 0.5 }.map { data.classes.labels[$0 - y.startIndex] }))
            }
        }
        return ValidationSet(inputs: inputs, truth: truth)
    }
}
