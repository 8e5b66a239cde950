// The pieces of the recipe for real, noisy field audio (issue 11), each tested for its defining
// property: the split by time of classes with few files, slices of cached audio, the field-like
// validation set, SNRs measured above 1 kHz over the call's own span, field noise, the
// high-pass, the clip level, and the best-checkpoint rule that a saturated F1 cannot fool.
import Foundation
import WarblerAudio
import WarblerFeatures
import XCTest
@testable import WarblerTraining

final class FieldRecipeTests: XCTestCase {
    /// Classes of 1, 2, 3 and 10 files (placeholder files: the split needs no audio).
    private func manifest() throws -> Manifest { try DataSplitTests.manifest(folder: "field-split") }

    func testClassesWithFewFilesAreSplitByTime() throws {
        let m = try manifest()
        let s = try DataSplit(manifest: m, validationFraction: 0.2, seed: 4, timeSplitBelow: 4)
        func label(_ i: Int) -> String { m.entries[i].primaryLabel }
        // a, b, c (under 4 files): every file on both sides, split by time.
        XCTAssertEqual(Set(s.byTime.map(label)), ["a", "b", "c"])
        XCTAssertEqual(s.byTime.count, 6)
        for i in s.byTime {
            XCTAssertTrue(s.train.contains(i) && s.validation.contains(i))
            XCTAssertEqual(s.trainPortions[i], 0..<0.8)
            XCTAssertEqual(s.validationPortions[i], 0.8..<1)
        }
        // d (10 files): by file, 2 to validation, sides disjoint.
        let d = (0..<m.entries.count).filter { label($0) == "d" }
        XCTAssertEqual(d.filter { s.validation.contains($0) }.count, 2)
        XCTAssertTrue(Set(d.filter { s.train.contains($0) }).isDisjoint(with: s.validation))
        // Without time splitting the old rule holds (a's single file trains only).
        let old = try DataSplit(manifest: m, validationFraction: 0.2, seed: 4)
        XCTAssertTrue(old.byTime.isEmpty)
        XCTAssertEqual(old.validation.filter { label($0) == "a" }.count, 0)
    }

    func testTimeSplitSidesAreSlicesOfTheSameRecording() throws {
        let dir = try Scratch.folder("field-slices")
        try TinyDataset.write(to: dir, species: 2, clips: 2)
        let manifest = try Manifest.birdCLEF(csv: dir + "/train.csv", audioRoot: dir + "/train_audio")
        let data = try PreparedData.prepare(
            manifest: manifest, cache: AudioCache(directory: dir + "/cache"),
            validationFraction: 0.25, seed: 1, timeSplitBelow: 4)
        XCTAssertEqual(data.split.byTime.count, 4)
        XCTAssertEqual(data.train.count, 4)
        XCTAssertEqual(data.validation.count, 4)
        for k in 0..<4 {
            let head = data.train.audio[k], tail = data.validation.audio[k]
            XCTAssertEqual(head.sourcePath, tail.sourcePath)
            let whole = head.count + tail.count
            XCTAssertEqual(Double(head.count) / Double(whole), 0.75, accuracy: 1e-3)
            XCTAssertEqual(tail.startInRecording, head.count)
            // The tail's first samples are the recording's samples at that offset.
            let full = try AudioCache(directory: dir + "/cache").load([head.sourcePath], threads: 1).audio[head.sourcePath]!
            XCTAssertEqual(full.count, whole)
            for i in [0, 1, tail.count / 2, tail.count - 1] { XCTAssertEqual(tail[i], full[head.count + i]) }
            XCTAssertEqual(head[head.count - 1], full[head.count - 1])
        }
    }

    func testFieldValidationSetHasCallsInNoiseAtEverySNRAndNoiseAlone() throws {
        let data = try TinyDataset.prepared("field-validation")
        let length = 32_000
        let config = FieldValidationConfig()
        let examples = try FieldValidation.examples(data: data.validation, length: length, config: config, seed: 3)
        XCTAssertEqual(
            examples, try FieldValidation.examples(data: data.validation, length: length, config: config, seed: 3),
            "a pure function of the data, the config and the seed")
        XCTAssertNotEqual(examples, try FieldValidation.examples(data: data.validation, length: length, config: config, seed: 4))
        // Per recording: min(3, windows in it) windows x 5 SNRs; then a pair per recording that
        // has a partner of other classes; then noise alone.
        let windows = data.validation.audio.map { min(3, max(1, ($0.count + length - 1) / length)) }.reduce(0, +)
        let single = windows * config.snrDB.count
        let calls = examples.filter { $0.file >= 0 }.count
        XCTAssertTrue(calls > single && calls <= single + data.validation.count, "\(calls) call windows, \(single) single")
        let silent = max(config.minimumNoiseOnly, Int((Double(calls) * config.noiseOnlyShare).rounded()))
        XCTAssertEqual(examples.count, calls + silent)
        for e in examples.prefix(calls) { XCTAssertTrue(e.labels.contains { $0 >= 0.5 }) }
        for e in examples.suffix(silent) {
            XCTAssertEqual(e.file, -1)
            XCTAssertTrue(e.labels.allSatisfy { $0 == 0 })
        }
        // A pair carries the classes of both its recordings.
        for e in examples[single..<calls] { XCTAssertGreaterThanOrEqual(e.labels.filter { $0 >= 0.5 }.count, 2) }
        // Every window is at a level in the configured range.
        for e in examples {
            XCTAssertEqual(e.samples.count, length)
            let dB = 20 * log10(Waveform.rms(e.samples))
            XCTAssertTrue(dB >= config.levelDBFS.lower - 0.01 && dB <= config.levelDBFS.upper + 0.01, "\(dB) dBFS")
        }
    }

    func testSNRIsMeasuredAboveTheCutoffOverTheCallsOwnSpan() {
        var rng = SplitMix64(seed: 5)
        // A 4-kHz call in the middle second of three, zeros around it, against field noise
        // (whose wind lies far below 1 kHz).
        var signal = [Float](repeating: 0, count: 96_000)
        let call = Signals.tone(4000, count: 32_000, amplitude: 0.3)
        for i in 0..<32_000 { signal[32_000 + i] = call[i] }
        for snr in [0.0, 10, 20] {
            let noise = ColoredNoise.field(count: signal.count, sampleRate: 32_000, rng: &rng)
            let mixed = Waveform.mixed(signal, with: noise, snrDB: snr, above: 1000)
            let added = zip(mixed, signal).map { $0 - $1 }
            let callLevel = Waveform.activeRMS(HighPass.filtered(signal, cutoff: 1000, sampleRate: 32_000), support: signal)
            let noiseLevel = Waveform.rms(HighPass.filtered(added, cutoff: 1000, sampleRate: 32_000))
            XCTAssertEqual(20 * log10(callLevel / noiseLevel), snr, accuracy: 0.05)
            // Broadband and over the whole clip the same mix reads far lower: the padding dilutes
            // the call, the wind inflates the noise.
            XCTAssertLessThan(20 * log10(Waveform.rms(signal) / Waveform.rms(added)), snr - 5)
        }
    }

    func testFieldNoiseIsWindOverPinkWithGusts() {
        var a = SplitMix64(seed: 8), b = SplitMix64(seed: 8)
        let x = ColoredNoise.field(count: 320_000, sampleRate: 32_000, rng: &a)
        XCTAssertEqual(x, ColoredNoise.field(count: 320_000, sampleRate: 32_000, rng: &b))
        XCTAssertEqual(Waveform.rms(x), 1, accuracy: 1e-3)
        // Most power below 1 kHz, some above (the pink part).
        let high = Waveform.rms(HighPass.filtered(x, cutoff: 1000, sampleRate: 32_000))
        XCTAssertLessThan(high, 0.7)
        XCTAssertGreaterThan(high, 0.01)
        // Gusts: the low band's level changes by several dB between half-second stretches.
        let low = LowPass.filtered(x, cutoff: 600, sampleRate: 32_000)
        let levels = stride(from: 0, to: low.count, by: 16_000).map { 20 * log10(Waveform.rms(Array(low[$0..<($0 + 16_000)]))) }
        XCTAssertGreaterThan(levels.max()! - levels.min()!, 6)
    }

    func testHighPassKeepsTheBirdBandAndRemovesTheWindBand() {
        func gain(_ hz: Double) -> Double {
            let x = Signals.tone(hz, count: 64_000)
            let y = HighPass.filtered(x, cutoff: 1000, sampleRate: 32_000)
            return 20 * log10(Waveform.rms(Array(y[16_000...])) / Waveform.rms(Array(x[16_000...])))
        }
        XCTAssertLessThan(gain(100), -70)
        XCTAssertEqual(gain(1000), -6, accuracy: 0.3)
        XCTAssertEqual(gain(5000), 0, accuracy: 0.2)
    }

    func testEveryClipEndsAtItsDrawnLevelAndCallsArePeakNormalised() throws {
        let data = try TinyDataset.prepared("field-level")
        var c = AugmentationConfig()
        c.levelDBFS = UniformRange(-30, -30)
        c.mixupProbability = 0
        let composer = try ExampleComposer(data: data.train, augmentation: c, crop: CropConfig(seconds: 1, classBalanced: true), seed: 2)
        for i in 0..<24 {
            let e = composer.example(epoch: 0, index: i, order: composer.epochOrder(epoch: 0))
            XCTAssertEqual(20 * log10(Waveform.rms(e.samples)), -30, accuracy: 0.01)
        }
        // Without noise and level, a lone call's crop peaks at 1.
        var plain = AugmentationConfig.none
        plain.peakNormalizeCalls = true
        let p = try ExampleComposer(data: data.train, augmentation: plain, crop: CropConfig(seconds: 1), seed: 2)
        for i in 0..<6 {
            let e = p.example(epoch: 0, index: i, order: p.epochOrder(epoch: 0))
            XCTAssertEqual(e.samples.map(abs).max()!, 1, accuracy: 1e-6)
        }
    }

    func testBestCheckpointRuleIsNotFooledByASaturatedF1() {
        // F1 saturates at 1.0 from epoch 3 while the validation loss keeps falling: the rule
        // moves the best checkpoint on with the loss (the old rule kept epoch 3).
        let f1 = [0.6, 0.9, 1.0, 1.0, 1.0, 1.0], loss = [0.5, 0.3, 0.2, 0.15, 0.12, 0.13]
        var best = (f1: -1.0, loss: Double?.none, epoch: 0), top = -1.0
        for (e, (f, l)) in zip(f1, loss).enumerated() {
            top = max(top, f)
            if Trainer.isNewBest(f1: f, loss: l, bestF1: best.f1, bestLoss: best.loss, topF1: top, tolerance: 0.01) {
                best = (f, l, e + 1)
            }
        }
        XCTAssertEqual(best.epoch, 5)
        // A lower loss does not buy an F1 more than the tolerance below the top...
        XCTAssertFalse(Trainer.isNewBest(f1: 0.95, loss: 0.01, bestF1: 1.0, bestLoss: 0.2, topF1: 1.0, tolerance: 0.01))
        // ...nor a slide: 0.995 is within 0.01 of the best (0.995 after it) but 0.985 is not
        // within 0.01 of the top (1.0), whatever the current best's F1.
        XCTAssertTrue(Trainer.isNewBest(f1: 0.995, loss: 0.1, bestF1: 1.0, bestLoss: 0.2, topF1: 1.0, tolerance: 0.01))
        XCTAssertFalse(Trainer.isNewBest(f1: 0.985, loss: 0.05, bestF1: 0.995, bestLoss: 0.1, topF1: 1.0, tolerance: 0.01))
        // A clearly better F1 wins whatever the loss, and so does any epoch when the best has
        // fallen out of the tolerance (a new top).
        XCTAssertTrue(Trainer.isNewBest(f1: 0.9, loss: 0.9, bestF1: 0.7, bestLoss: 0.1, topF1: 0.9, tolerance: 0.01))
    }
}
