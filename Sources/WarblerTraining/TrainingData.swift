// The recordings of one side of a split, ready to sample: cached audio, label vectors, the files
// of each class, and optional background recordings. Built once; read by every loader thread.
import Foundation
import WarblerAudio

public struct TrainingData: Sendable {
    public let classes: ClassList
    /// Sample rate of every recording, Hz.
    public let sampleRate: Int
    /// The manifest entries, in manifest order.
    public let entries: [ManifestEntry]
    public let audio: [CachedAudio]
    /// Multi-hot label vector of each entry, [classes.count].
    public let labels: [[Float]]
    /// Entry indices of each class (by primary label); empty for a class absent on this side.
    public let filesByClass: [[Int]]
    /// Background recordings for the background-only clips and the background augmentation.
    public let backgrounds: [CachedAudio]

    /// The entries at `indices` of `manifest` with their cached audio (every one must be in
    /// `audio`, as after `Manifest.removing(load.failures)`); an entry in `portions` uses only
    /// that part of its recording (fractions of its length).
    public init(
        manifest: Manifest, indices: [Int], audio: [String: CachedAudio], backgrounds: [CachedAudio] = [],
        secondaryLabelValue: Float = 1, portions: [Int: Range<Double>] = [:]
    ) throws {
        let entries = indices.map { manifest.entries[$0] }
        var clips: [CachedAudio] = []
        for (i, e) in zip(indices, entries) {
            guard var a = audio[e.path] else { throw TrainingDataError("\(e.path) was not loaded through the audio cache.") }
            if let p = portions[i] {
                let lo = Int((p.lowerBound * Double(a.count)).rounded()), hi = Int((p.upperBound * Double(a.count)).rounded())
                a = a.slice(max(0, min(lo, a.count))..<max(0, min(hi, a.count)))
            }
            clips.append(a)
        }
        let rates = Set((clips + backgrounds).map(\.sampleRate))
        guard rates.count <= 1 else { throw TrainingDataError("the recordings are cached at different sample rates (\(rates.sorted())).") }
        self.classes = manifest.classes
        self.sampleRate = rates.first ?? 32_000
        self.entries = entries
        self.audio = clips
        self.labels = entries.map { manifest.labelVector($0, secondaryValue: secondaryLabelValue) }
        var byClass = [[Int]](repeating: [], count: manifest.classes.count)
        for (i, e) in entries.enumerated() { byClass[manifest.classes.index(of: e.primaryLabel)!].append(i) }
        self.filesByClass = byClass
        self.backgrounds = backgrounds
    }

    public var count: Int { entries.count }

    /// The classes that have at least one file on this side.
    public var presentClasses: [Int] { filesByClass.indices.filter { !filesByClass[$0].isEmpty } }

    /// Throws when every recording is shorter than a quarter of a crop of `length` samples
    /// (every clip would be mostly padding, almost certainly a configuration mistake). Shorter
    /// recordings among longer ones are fine: they are padded into the crop.
    public func requireCrop(length: Int, seconds: Double) throws {
        guard let longest = audio.map(\.count).max() else { throw TrainingDataError("there are no training recordings.") }
        if 4 * longest < length {
            throw TrainingDataError(
                "the \(seconds) s crop is more than four times longer than every recording (the longest is \(String(format: "%.2f", Double(longest) / Double(sampleRate))) s); use a shorter crop."
            )
        }
    }
}
