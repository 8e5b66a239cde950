// Synthetic species, training sets and soundscapes: deterministic, distinct, decodable, and
// with ground truth that matches what was placed in the audio.
import Foundation
import WarblerAudio
import WarblerIO
import WarblerMetrics
import XCTest
@testable import WarblerSynth

final class SynthTests: XCTestCase {
    private func scratch(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "warbler-synth-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func testCatalogueIsDeterministicWithDistinctBands() {
        let a = SpeciesSpec.catalogue(count: 12, seed: 3), b = SpeciesSpec.catalogue(count: 12, seed: 3)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, SpeciesSpec.catalogue(count: 12, seed: 4))
        XCTAssertEqual(Set(a.map(\.label)).count, 12)
        // Band centres rise with the index: neighbours never share a centre.
        let centres = a.map { ($0.lowHz + $0.highHz) / 2 }
        XCTAssertEqual(centres, centres.sorted())
        XCTAssertTrue(a.allSatisfy { $0.lowHz > 1000 && $0.highHz < 11_500 && $0.lowHz < $0.highHz })
    }

    func testPhraseEnergyLiesInTheSpeciesBand() {
        // A down-chirp species: its energy concentrates around its own band, far from another's.
        let catalogue = SpeciesSpec.catalogue(count: 10)
        var rng = SplitMix64(seed: 5)
        for spec in [catalogue[0], catalogue[9]] {
            var y = [Float](repeating: 0, count: 32_000)
            let end = spec.addPhrase(to: &y, sampleRate: 32_000, start: 0.1, amplitude: 0.3, rng: &rng)
            XCTAssertGreaterThan(end, 0.1)
            // Zero crossings per second ~ 2 x the dominant frequency.
            let active = y.indices.filter { abs(y[$0]) > 0.01 }
            let crossings = zip(y.dropFirst(), y).filter { ($0 >= 0) != ($1 >= 0) }.count
            let f = Double(crossings) / 2 / (Double(active.count) / 32_000)
            XCTAssertGreaterThan(f, spec.lowHz - spec.sweepHz, spec.label)
            XCTAssertLessThan(f, spec.highHz + spec.sweepHz, spec.label)
        }
    }

    func testWindowLabelsByHand() {
        let events = [
            SoundEvent(recording: "s", label: "syn02", onset: 4.95, offset: 6.0),  // 0.05 s in window 1: not counted there
            SoundEvent(recording: "s", label: "syn01", onset: 1.0, offset: 2.0),
            SoundEvent(recording: "s", label: "syn03", onset: 9.8, offset: 11.0),
        ]
        let rows = SyntheticSoundscape.windowLabels(events, recording: "s", seconds: 12, window: 5)
        XCTAssertEqual(rows.map(\.rowID), ["s_5", "s_10", "s_15"])
        XCTAssertEqual(rows.map(\.birds), ["syn01", "syn02 syn03", "syn03"])
        XCTAssertEqual(SyntheticSoundscape.windowLabels([], recording: "q", seconds: 5, window: 5).map(\.birds), ["nocall"])
    }

    func testDatasetIsBirdCLEFShapedAndDecodes() throws {
        let dir = try scratch("dataset")
        var c = SyntheticDatasetConfig()
        (c.species, c.clipsPerSpecies, c.seconds, c.format, c.secondaryShare) = (3, 2, 2, "flac", 1)
        XCTAssertEqual(try SyntheticDataset.write(to: dir, config: c), 6)
        let table = try CSV.read(dir + "/train.csv")
        XCTAssertEqual(table.header, ["primary_label", "secondary_labels", "filename"])
        XCTAssertEqual(table.rows.count, 6)
        for row in table.rows {
            XCTAssertTrue(row[2].hasPrefix(row[0] + "/"), row[2])
            // Every clip has a secondary species here (share 1), written as a Python list.
            XCTAssertTrue(row[1].hasPrefix("['syn") && row[1].hasSuffix("']") && !row[1].contains(row[0]), row[1])
            let audio = try AudioLoader.load(dir + "/train_audio/" + row[2], config: AudioConfig())
            XCTAssertEqual(audio.samples.count, 64_000)
            XCTAssertGreaterThan(audio.samples.map { abs($0) }.max() ?? 0, 0.05)
        }
        XCTAssertEqual(try CSV.read(dir + "/species.csv").rows.count, 3)
        // The same seed writes the same audio.
        let again = try scratch("dataset2")
        try SyntheticDataset.write(to: again, config: c)
        XCTAssertEqual(
            FileManager.default.contents(atPath: dir + "/train_audio/syn01/syn01_0001.flac"),
            FileManager.default.contents(atPath: again + "/train_audio/syn01/syn01_0001.flac"))
    }

    func testSoundscapeTruthMatchesItsEvents() throws {
        let dir = try scratch("soundscape")
        var c = SyntheticSoundscapeConfig()
        (c.species, c.recordings, c.seconds, c.phrasesPerMinute, c.format) = (4, 2, 30, 8, "wav")
        let events = try SyntheticSoundscape.write(to: dir, config: c)
        XCTAssertEqual(events.count, 8)  // 8 per minute x 0.5 min x 2 recordings
        XCTAssertTrue(events.allSatisfy { $0.onset >= 0 && $0.offset <= 30 && $0.onset < $0.offset })
        let truth = try EvaluationTables.readLabels(dir + "/truth.csv")
        XCTAssertEqual(truth.rowIDs.count, 12)
        XCTAssertEqual(truth.rowIDs.first, "soundscape01_5")
        XCTAssertEqual(try EvaluationTables.readEvents(dir + "/events.csv").count, 8)
        // Windows with calls are louder than the background-only ones of the same recording.
        let audio = try AudioLoader.load(dir + "/soundscape01.wav", config: AudioConfig())
        func rms(_ w: Int) -> Float {
            let s = audio.samples[(w * 5 * 32_000)..<min(audio.samples.count, (w + 1) * 5 * 32_000)]
            return (s.reduce(0) { $0 + $1 * $1 } / Float(s.count)).squareRoot()
        }
        let labelled = (0..<6).filter { !(truth.labels["soundscape01_\(($0 + 1) * 5)"]!.isEmpty) }
        let empty = (0..<6).filter { truth.labels["soundscape01_\(($0 + 1) * 5)"]!.isEmpty }
        if let quiet = empty.map(rms).max(), let loud = labelled.map(rms).max() {
            XCTAssertGreaterThan(loud, quiet)
        }
    }
}
