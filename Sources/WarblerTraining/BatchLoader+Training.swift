// The two batch sources: augmented training batches (the whole recipe, then log-mel, then
// SpecAugment) and plain validation batches (every consecutive crop-length window of every
// validation recording, the last one zero-padded).
import Foundation
import WarblerAudio
import WarblerFeatures

extension BatchLoader {
    /// Loads epoch `epoch` of augmented training batches, from batch `startBatch` on.
    /// `normalization` is applied to every log-mel value (the model's input contract).
    public static func training(
        composer: ExampleComposer, frontEnd: FrontEndConfig, config: LoaderConfig,
        epoch: Int, startBatch: Int = 0, normalization: InputNormalization = .identity
    ) throws -> BatchLoader {
        try config.validate()
        try requireRate(frontEnd, composer.data)
        let examples = config.examplesPerEpoch ?? composer.data.count
        let batches = examples / config.batchSize
        guard batches > 0 else {
            throw TrainingDataError("\(examples) training examples make no full batch of \(config.batchSize); use a smaller batch.")
        }
        let order = composer.epochOrder(epoch: epoch)
        let frontEnds = try (0..<config.workers).map { _ in try FrontEnd(config: frontEnd, threads: 1) }
        return BatchLoader(batchCount: batches, startBatch: startBatch, workers: config.workers, prefetch: config.prefetch) { w, b in
            try trainingBatch(
                composer: composer, frontEnd: frontEnds[w], epoch: epoch, index: b, batchSize: config.batchSize, order: order,
                normalization: normalization)
        }
    }

    /// Training batch `index` of `epoch`: a pure function of its arguments.
    public static func trainingBatch(
        composer: ExampleComposer, frontEnd: FrontEnd, epoch: Int, index: Int,
        batchSize: Int, order: [Int], normalization: InputNormalization = .identity
    ) throws -> TrainingBatch {
        let items = (0..<batchSize).map { index * batchSize + $0 }
        let examples = items.map { composer.example(epoch: epoch, index: $0, order: order) }
        var spectrograms = try frontEnd(batch: examples.map(\.samples))
        let a = composer.augmentation
        for (j, item) in items.enumerated() {
            var rng = TrainingRandom.generator(seed: composer.seed, epoch: epoch, index: item, purpose: .specAugment)
            if rng.chance(a.specAugmentProbability) {
                SpecAugment.apply(
                    to: &spectrograms[j], timeMasks: a.timeMasks, maxFrames: a.timeMaskMaxFrames,
                    frequencyMasks: a.frequencyMasks, maxBins: a.frequencyMaskMaxBins, rng: &rng)
            }
            normalization.apply(to: &spectrograms[j])
        }
        return pack(
            spectrograms, labels: examples.map(\.labels), epoch: epoch, index: index, classes: composer.data.classes.count,
            files: examples.map(\.file), offsets: [Int](repeating: 0, count: batchSize))
    }

    /// The validation windows of `data`: (entry, first sample) for every consecutive window of
    /// `length` samples (at least one per recording).
    public static func validationWindows(data: TrainingData, length: Int) -> [(file: Int, offset: Int)] {
        var windows: [(file: Int, offset: Int)] = []
        for (i, a) in data.audio.enumerated() {
            let n = max(1, (a.count + length - 1) / length)
            for k in 0..<n { windows.append((i, k * length)) }
        }
        return windows
    }

    /// Loads every validation window once, unaugmented, in order (the last batch may be short).
    public static func validation(
        data: TrainingData, crop: CropConfig, frontEnd: FrontEndConfig, config: LoaderConfig,
        normalization: InputNormalization = .identity
    ) throws -> BatchLoader {
        try config.validate()
        try crop.validate()
        try requireRate(frontEnd, data)
        let length = crop.length(sampleRate: data.sampleRate)
        let windows = validationWindows(data: data, length: length)
        let batches = (windows.count + config.batchSize - 1) / config.batchSize
        let frontEnds = try (0..<config.workers).map { _ in try FrontEnd(config: frontEnd, threads: 1) }
        let bs = config.batchSize
        return BatchLoader(batchCount: batches, workers: config.workers, prefetch: config.prefetch) { w, b in
            let rows = Array(windows[(b * bs)..<min(windows.count, (b + 1) * bs)])
            let clips = rows.map { Crop.window(from: data.audio[$0.file], start: $0.offset, length: length) }
            var s = try frontEnds[w](batch: clips)
            for j in s.indices { normalization.apply(to: &s[j]) }
            return pack(
                s, labels: rows.map { data.labels[$0.file] }, epoch: 0, index: b,
                classes: data.classes.count, files: rows.map(\.file), offsets: rows.map(\.offset))
        }
    }

    /// The field-like validation windows (`FieldValidation.examples`), in order (the last batch
    /// may be short).
    public static func fieldValidation(
        data: TrainingData, crop: CropConfig, frontEnd: FrontEndConfig, config: LoaderConfig,
        field: FieldValidationConfig, seed: UInt64,
        normalization: InputNormalization = .identity
    ) throws -> BatchLoader {
        try config.validate()
        try crop.validate()
        try requireRate(frontEnd, data)
        let examples = try FieldValidation.examples(data: data, length: crop.length(sampleRate: data.sampleRate), config: field, seed: seed)
        let bs = config.batchSize
        let batches = (examples.count + bs - 1) / bs
        let frontEnds = try (0..<config.workers).map { _ in try FrontEnd(config: frontEnd, threads: 1) }
        return BatchLoader(batchCount: batches, workers: config.workers, prefetch: config.prefetch) { w, b in
            let rows = Array(examples[(b * bs)..<min(examples.count, (b + 1) * bs)])
            var s = try frontEnds[w](batch: rows.map(\.samples))
            for j in s.indices { normalization.apply(to: &s[j]) }
            return pack(
                s, labels: rows.map(\.labels), epoch: 0, index: b, classes: data.classes.count, files: rows.map(\.file),
                offsets: [Int](repeating: 0, count: rows.count))
        }
    }

    private static func requireRate(_ frontEnd: FrontEndConfig, _ data: TrainingData) throws {
        guard frontEnd.sampleRate == data.sampleRate else {
            throw TrainingDataError("the front-end expects \(frontEnd.sampleRate) Hz audio but the cache holds \(data.sampleRate) Hz.")
        }
    }

    static func pack(_ s: [Spectrogram], labels: [[Float]], epoch: Int, index: Int, classes: Int, files: [Int], offsets: [Int]) -> TrainingBatch {
        let frames = s.first?.frameCount ?? 0, mels = s.first?.binCount ?? 0
        var features: [Float] = []
        features.reserveCapacity(s.count * frames * mels)
        for x in s { features += x.values }
        return TrainingBatch(
            epoch: epoch, index: index, batchSize: s.count, frames: frames, mels: mels, classes: classes,
            features: features, labels: labels.flatMap { $0 }, files: files, offsets: offsets)
    }
}
