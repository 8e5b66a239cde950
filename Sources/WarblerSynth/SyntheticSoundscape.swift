// Long synthetic field recordings with ground truth, for detection tests and the demo: a
// background with phrases of zero to several species at random times (many 5-s windows hold no
// call, as in real soundscapes), written as `<out>/<name>.<format>`, plus
// `<out>/events.csv` (`recording,label,onset,offset`, seconds) and `<out>/truth.csv` in the
// Cornell layout (`row_id,birds`, one row per 5-s window, row_id `<name>_<window end>`); a
// species counts in a window when one of its phrases overlaps it by at least 0.1 s.
import Foundation
import WarblerAudio
import WarblerIO
import WarblerMetrics

public struct SyntheticSoundscapeConfig: Codable, Sendable {
    public var species = 10
    public var recordings = 1
    /// Length of each recording, seconds.
    public var seconds = 60.0
    public var sampleRate = 32_000
    public var format = "flac"
    /// Phrases per minute, on average, over all species.
    public var phrasesPerMinute = 10.0
    /// Window length for the Cornell rows, seconds.
    public var window = 5.0
    public var seed: UInt64 = 2
    public var speciesSeed: UInt64 = 1
    public init() {}
}

public enum SyntheticSoundscape {
    /// Minimum overlap of a phrase with a window for the window to be labelled, seconds.
    public static let minimumOverlap = 0.1

    /// Writes the recordings and both truth files; returns the events.
    @discardableResult
    public static func write(to out: String, config c: SyntheticSoundscapeConfig) throws -> [SoundEvent] {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let catalogue = SpeciesSpec.catalogue(count: c.species, seed: c.speciesSeed)
        var events: [SoundEvent] = []
        var truthRows: [[String]] = []
        for r in 0..<c.recordings {
            let name = String(format: "soundscape%02d", r + 1)
            var rng = SplitMix64(seed: c.seed &* 7_919 &+ UInt64(r))
            let n = Int(c.seconds * Double(c.sampleRate))
            var y = SyntheticBackground.generate(count: n, sampleRate: c.sampleRate, level: 0.015 + 0.03 * rng.nextDouble(), rng: &rng)
            var mine: [SoundEvent] = []
            let phrases = Int((c.phrasesPerMinute * c.seconds / 60).rounded())
            for _ in 0..<phrases {
                let spec = catalogue[rng.nextInt(catalogue.count)]
                let start = (c.seconds - 1.5) * rng.nextDouble()
                let end = spec.addPhrase(to: &y, sampleRate: c.sampleRate, start: start, amplitude: 0.08 + 0.3 * rng.nextDouble(), rng: &rng)
                mine.append(SoundEvent(recording: name, label: spec.label, onset: start, offset: min(end, c.seconds)))
            }
            mine.sort { ($0.onset, $0.label) < ($1.onset, $1.label) }
            SyntheticDataset.normalise(&y)
            try AudioWriter.write(y, sampleRate: c.sampleRate, to: out + "/" + name + "." + c.format)
            truthRows += windowLabels(mine, recording: name, seconds: c.seconds, window: c.window).map { [$0.rowID, $0.birds] }
            events += mine
        }
        let eventRows = events.map { [$0.recording, $0.label, String(format: "%.3f", $0.onset), String(format: "%.3f", $0.offset)] }
        try AtomicFile.write(
            Data(CSV.format(header: ["recording", "label", "onset", "offset"], rows: eventRows).utf8),
            to: out + "/events.csv")
        try AtomicFile.write(Data(CSV.format(header: ["row_id", "birds"], rows: truthRows).utf8), to: out + "/truth.csv")
        try SyntheticDataset.writeCatalogue(catalogue, to: out + "/species.csv")
        return events
    }

    /// The Cornell rows of one recording: windows [end - window, end) for end = window,
    /// 2 window, ... up to the recording's length (a last partial window included), each with
    /// the sorted labels of the events overlapping it by at least `minimumOverlap`, or nocall.
    public static func windowLabels(
        _ events: [SoundEvent], recording: String, seconds: Double,
        window: Double
    ) -> [(rowID: String, birds: String)] {
        let count = Int((seconds / window).rounded(.up))
        return (0..<count).map { w in
            let lo = Double(w) * window, hi = min(Double(w + 1) * window, seconds)
            let labels = Set(events.filter { min($0.offset, hi) - max($0.onset, lo) >= minimumOverlap }.map(\.label))
            let end = Int((Double(w + 1) * window).rounded())
            return ("\(recording)_\(end)", labels.isEmpty ? RowWiseF1.nocall : labels.sorted().joined(separator: " "))
        }
    }
}
