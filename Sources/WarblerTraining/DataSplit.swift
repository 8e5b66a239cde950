// A seeded, stratified train/validation split: files are grouped by primary label and each group
// is shuffled and cut separately, so every class keeps its share on both sides. A class with too
// few files to give some away (fewer than `timeSplitBelow`) is split by time instead: every one of
// its files trains on its first (1 - fraction) and validates on the rest, so the class keeps all
// its recordings for training and still has held-out sound to validate on.
import WarblerAudio

/// Indices into a manifest's entries for training and validation.
public struct DataSplit: Codable, Sendable, Equatable {
    public var train: [Int]
    public var validation: [Int]
    /// Entries split by time (in both lists): training uses the head of the recording,
    /// validation its last `timeFraction`.
    public var byTime: [Int] = []
    public var timeFraction: Double = 0

    /// Splits `manifest` so about `validationFraction` of each class's files go to validation.
    /// Per class with n files: when n < timeSplitBelow, every file is split by time (see above);
    /// else round(n * fraction) go to validation, clamped to [1, n - 1] when n >= 2 (so both
    /// sides see the class) and 0 when n == 1. The same seed gives the same split. The lists
    /// are sorted by manifest index.
    public init(manifest: Manifest, validationFraction: Double, seed: UInt64, timeSplitBelow: Int = 0) throws {
        guard validationFraction >= 0, validationFraction < 1 else {
            throw TrainingDataError("the validation fraction must be in [0, 1), not \(validationFraction).")
        }
        var groups = [[Int]](repeating: [], count: manifest.classes.count)
        for (i, e) in manifest.entries.enumerated() { groups[manifest.classes.index(of: e.primaryLabel)!].append(i) }
        var train: [Int] = [], validation: [Int] = [], byTime: [Int] = []
        for (k, var group) in groups.enumerated() {
            let n = group.count
            if validationFraction > 0 && n > 0 && n < timeSplitBelow {
                train += group
                validation += group
                byTime += group
                continue
            }
            var rng = TrainingRandom.generator(seed: seed, index: k, purpose: .split)
            group.shuffle(using: &rng)
            var v = Int((Double(n) * validationFraction).rounded())
            if validationFraction > 0 && n >= 2 { v = min(max(v, 1), n - 1) } else if n < 2 { v = 0 }
            validation += group[0..<v]
            train += group[v...]
        }
        self.train = train.sorted()
        self.validation = validation.sorted()
        self.byTime = byTime.sorted()
        self.timeFraction = byTime.isEmpty ? 0 : validationFraction
    }

    /// The part of each time-split entry a side uses, as fractions of the recording.
    public var trainPortions: [Int: Range<Double>] {
        Dictionary(uniqueKeysWithValues: byTime.map { ($0, 0..<(1 - timeFraction)) })
    }
    public var validationPortions: [Int: Range<Double>] {
        Dictionary(uniqueKeysWithValues: byTime.map { ($0, (1 - timeFraction)..<1) })
    }
}
