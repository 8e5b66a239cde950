// A seeded, stratified train/validation split by file: files are grouped by primary label and
// each group is shuffled and cut separately, so every class keeps its share on both sides.
import WarblerAudio

/// Indices into a manifest's entries for training and validation.
public struct DataSplit: Codable, Sendable, Equatable {
    public var train: [Int]
    public var validation: [Int]

    /// Splits `manifest` so about `validationFraction` of each class's files go to validation.
    /// Per class with n files: round(n * fraction) go to validation, clamped to [1, n - 1] when
    /// n >= 2 (so both sides see the class) and 0 when n == 1. The same seed gives the same split.
    /// Both lists are sorted by manifest index.
    public init(manifest: Manifest, validationFraction: Double, seed: UInt64) throws {
        guard validationFraction >= 0, validationFraction < 1 else {
            throw TrainingDataError("the validation fraction must be in [0, 1), not \(validationFraction).")
        }
        var groups = [[Int]](repeating: [], count: manifest.classes.count)
        for (i, e) in manifest.entries.enumerated() { groups[manifest.classes.index(of: e.primaryLabel)!].append(i) }
        var train: [Int] = [], validation: [Int] = []
        for (k, var group) in groups.enumerated() {
            var rng = TrainingRandom.generator(seed: seed, index: k, purpose: .split)
            group.shuffle(using: &rng)
            let n = group.count
            var v = Int((Double(n) * validationFraction).rounded())
            if validationFraction > 0 && n >= 2 { v = min(max(v, 1), n - 1) } else if n < 2 { v = 0 }
            validation += group[0..<v]
            train += group[v...]
        }
        self.train = train.sorted()
        self.validation = validation.sorted()
    }
}
