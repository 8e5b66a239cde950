// A labelled training set of synthetic species in the BirdCLEF layout: audio files under
// `<out>/train_audio/<label>/`, and `<out>/train.csv` with `primary_label`,
// `secondary_labels` (a Python list, as BirdCLEF writes it) and `filename` relative to
// `train_audio`. Each clip holds phrases of its primary species over a background; some also
// hold a quieter secondary species. `<out>/species.csv` describes every species.
import Foundation
import WarblerAudio
import WarblerIO

public struct SyntheticDatasetConfig: Codable, Sendable {
    public var species = 10
    public var clipsPerSpecies = 12
    /// Length of each clip, seconds.
    public var seconds = 6.0
    public var sampleRate = 32_000
    /// Extension of the audio files: ogg, flac or wav.
    public var format = "ogg"
    /// Share of clips that also hold a second species.
    public var secondaryShare = 0.25
    public var seed: UInt64 = 1
    /// Seed of the species catalogue (the same catalogue must be used for soundscapes).
    public var speciesSeed: UInt64 = 1
    public init() {}
}

public enum SyntheticDataset {
    /// Writes the dataset; returns the number of clips. `progress` is called after each clip.
    @discardableResult
    public static func write(
        to out: String, config c: SyntheticDatasetConfig,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> Int {
        let catalogue = SpeciesSpec.catalogue(count: c.species, seed: c.speciesSeed)
        let audioRoot = out + "/train_audio"
        try FileManager.default.createDirectory(atPath: audioRoot, withIntermediateDirectories: true)
        var rows: [[String]] = []
        let total = c.species * c.clipsPerSpecies
        for (s, spec) in catalogue.enumerated() {
            try FileManager.default.createDirectory(atPath: audioRoot + "/" + spec.label, withIntermediateDirectories: true)
            for k in 0..<c.clipsPerSpecies {
                var rng = SplitMix64(seed: c.seed &* 1_000_003 &+ UInt64(s * 10_007 + k))
                let n = Int(c.seconds * Double(c.sampleRate))
                var y = SyntheticBackground.generate(count: n, sampleRate: c.sampleRate, level: 0.01 + 0.04 * rng.nextDouble(), rng: &rng)
                // Phrases of the primary species, spread over the clip.
                var t = 0.2 * rng.nextDouble()
                while t < c.seconds - 0.3 {
                    let end = spec.addPhrase(to: &y, sampleRate: c.sampleRate, start: t, amplitude: 0.1 + 0.3 * rng.nextDouble(), rng: &rng)
                    t = end + 0.4 + 1.2 * rng.nextDouble()
                }
                var secondary: [String] = []
                if catalogue.count > 1 && rng.nextDouble() < c.secondaryShare {
                    var other = rng.nextInt(catalogue.count - 1)
                    if other >= s { other += 1 }
                    let o = catalogue[other]
                    o.addPhrase(
                        to: &y, sampleRate: c.sampleRate, start: c.seconds * 0.6 * rng.nextDouble(),
                        amplitude: 0.05 + 0.1 * rng.nextDouble(), rng: &rng)
                    secondary.append(o.label)
                }
                normalise(&y)
                let name = String(format: "%@/%@_%04d.%@", spec.label, spec.label, k + 1, c.format)
                try AudioWriter.write(y, sampleRate: c.sampleRate, to: audioRoot + "/" + name)
                rows.append([spec.label, "[" + secondary.map { "'\($0)'" }.joined(separator: ", ") + "]", name])
                progress(rows.count, total)
            }
        }
        try AtomicFile.write(
            Data(CSV.format(header: ["primary_label", "secondary_labels", "filename"], rows: rows).utf8),
            to: out + "/train.csv")
        try writeCatalogue(catalogue, to: out + "/species.csv")
        return rows.count
    }

    /// `species.csv`: one row per species with its call type and band.
    public static func writeCatalogue(_ catalogue: [SpeciesSpec], to path: String) throws {
        let rows = catalogue.map { [$0.label, $0.callType.rawValue, String(Int($0.lowHz)), String(Int($0.highHz))] }
        try AtomicFile.write(Data(CSV.format(header: ["label", "call_type", "low_hz", "high_hz"], rows: rows).utf8), to: path)
    }

    /// Scales `y` so its peak is 0.9 when it would otherwise clip (never louder).
    static func normalise(_ y: inout [Float]) {
        let peak = y.reduce(Float(0)) { max($0, abs($1)) }
        guard peak > 0.9 else { return }
        let s = 0.9 / peak
        for i in y.indices { y[i] *= s }
    }
}
