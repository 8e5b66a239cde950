// From a manifest to both sides of the split, ready to sample: every recording (and background
// recording) goes through the audio cache once, files that fail are reported once and left out,
// and an emptied class stops the run before training starts.
import Foundation

public struct PreparedData: Sendable {
    /// The manifest without the files that failed.
    public var manifest: Manifest
    public var split: DataSplit
    public var train: TrainingData
    public var validation: TrainingData
    /// Every file left out (missing or undecodable), each listed once with its cause.
    public var skipped: [SkippedFile]

    /// Loads `manifest` through `cache`, splits it with `seed`, and loads the background
    /// recordings found (recursively, by extension) under `backgroundFolder`, if given.
    /// Classes with fewer than `timeSplitBelow` files are split by time (see `DataSplit`).
    public static func prepare(
        manifest: Manifest, cache: AudioCache, validationFraction: Double, seed: UInt64,
        timeSplitBelow: Int = 0, backgroundFolder: String? = nil, secondaryLabelValue: Float = 1,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws -> PreparedData {
        let backgroundPaths = try backgroundFolder.map(backgroundFiles) ?? []
        let load = try cache.load(manifest.entries.map(\.path) + backgroundPaths, threads: threads)
        let backgroundSet = Set(backgroundPaths)
        let cleaned = try manifest.removing(load.failures.filter { !backgroundSet.contains($0.path) }, source: "the manifest")
        let split = try DataSplit(manifest: cleaned, validationFraction: validationFraction, seed: seed, timeSplitBelow: timeSplitBelow)
        let backgrounds = backgroundPaths.compactMap { load.audio[$0] }
        if backgroundFolder != nil && backgrounds.isEmpty {
            throw TrainingDataError("\(backgroundFolder!): no usable background recordings were found there.")
        }
        return PreparedData(
            manifest: cleaned, split: split,
            train: try TrainingData(
                manifest: cleaned, indices: split.train, audio: load.audio, backgrounds: backgrounds,
                secondaryLabelValue: secondaryLabelValue, portions: split.trainPortions),
            validation: try TrainingData(
                manifest: cleaned, indices: split.validation, audio: load.audio,
                secondaryLabelValue: secondaryLabelValue, portions: split.validationPortions),
            skipped: cleaned.skipped + load.failures.filter { backgroundSet.contains($0.path) })
    }

    /// Audio files (by `Manifest.audioExtensions`) anywhere under `folder`, sorted.
    public static func backgroundFiles(in folder: String) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw TrainingDataError("\(folder): the background folder does not exist.")
        }
        let all = FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String } ?? []
        return all.filter { Manifest.audioExtensions.contains(($0 as NSString).pathExtension.lowercased()) && !$0.hasPrefix(".") }
            .sorted().map { folder + "/" + $0 }
    }
}
