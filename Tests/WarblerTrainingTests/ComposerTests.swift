// The waveform recipe end to end on the tiny synthetic set: crops, call mixing with united labels,
// background-only clips, class-balanced sampling, and determinism per (seed, epoch, index).
import Foundation
import WarblerAudio
import XCTest
@testable import WarblerTraining

final class ComposerTests: XCTestCase {
    nonisolated(unsafe) static var data: PreparedData?

    private func prepared() throws -> PreparedData {
        if let d = Self.data { return d }
        let d = try TinyDataset.prepared("composer", background: true)
        Self.data = d
        return d
    }

    func testPreparedSplitAndCrop() throws {
        let d = try prepared()
        XCTAssertEqual(d.train.count + d.validation.count, 12)
        XCTAssertEqual(d.validation.count, 3)  // one of each class's four files
        XCTAssertEqual(d.train.backgrounds.count, 1)
        XCTAssertTrue(d.skipped.isEmpty)
        // A crop far longer than every file (every clip mostly padding) stops before work.
        XCTAssertThrowsError(try ExampleComposer(data: d.train, augmentation: .none, crop: CropConfig(seconds: 30), seed: 1)) {
            XCTAssertTrue("\($0)".contains("longer than every recording"), "\($0)")
        }
    }

    func testCropsPadOrLoopShortFiles() throws {
        let d = try prepared()
        let audio = d.train.audio[0]  // 2 s = 64000 samples
        var rng = SplitMix64(seed: 1)
        let padded = Crop.random(from: audio, length: 80_000, policy: .pad, rng: &rng)
        XCTAssertEqual(padded.count, 80_000)
        let all = audio.allSamples()
        // The whole recording sits at one offset, zeros around it.
        let o = padded.firstIndex { $0 != 0 }! - all.firstIndex { $0 != 0 }!
        XCTAssertTrue(o >= 0 && o + all.count <= 80_000)
        XCTAssertEqual(Array(padded[o..<(o + all.count)]), all)
        XCTAssertTrue(padded[..<o].allSatisfy { $0 == 0 } && padded[(o + all.count)...].allSatisfy { $0 == 0 })
        let looped = Crop.random(from: audio, length: 150_000, policy: .loop, rng: &rng)
        let start = (0..<all.count).first { Array(all[$0..<min(all.count, $0 + 64)]) == Array(looped[0..<64]) }!
        for i in stride(from: 0, to: 150_000, by: 997) { XCTAssertEqual(looped[i], all[(start + i) % all.count]) }
        // A long enough file: a window of it.
        let w = Crop.random(from: audio, length: 32_000, policy: .pad, rng: &rng)
        let s = (0...32_000).first { Array(all[$0..<($0 + 32_000)]) == w }
        XCTAssertNotNil(s)
    }

    func testCallsAreMixedAndLabelsUnited() throws {
        let d = try prepared()
        var c = AugmentationConfig.none
        c.maxCalls = 3
        c.extraCallProbability = 1
        c.extraCallGainDB = UniformRange(0, 0)
        let composer = try ExampleComposer(data: d.train, augmentation: c, crop: CropConfig(seconds: 1), seed: 4)
        let order = composer.epochOrder(epoch: 0)
        var sawTwoClasses = false
        for i in 0..<8 {
            let e = composer.composed(epoch: 0, index: i, variant: 0, firstFile: composer.firstFile(epoch: 0, index: i, order: order))
            // The three calls' files, as the composer draws them.
            let files = [order[i]] + (1..<3).map { composer.randomFile(epoch: 0, index: i, purpose: .extraCalls, salt: $0) }
            var united = [Float](repeating: 0, count: d.train.classes.count)
            for f in files { for (k, v) in d.train.labels[f].enumerated() { united[k] = max(united[k], v) } }
            XCTAssertEqual(e.labels, united)
            if Set(files.map { d.train.entries[$0].primaryLabel }).count > 1 { sawTwoClasses = true }
            // The audio is the sum of the three crops (no other transform is on).
            let crops = files.enumerated().map { k, f -> [Float] in
                var r = TrainingRandom.generator(seed: 4, epoch: 0, index: i, purpose: .crop, salt: k)
                return Crop.random(from: d.train.audio[f], length: 32_000, policy: .pad, rng: &r)
            }
            for j in stride(from: 0, to: 32_000, by: 331) {
                XCTAssertEqual(e.samples[j], crops[0][j] + crops[1][j] + crops[2][j], accuracy: 1e-6)
            }
        }
        XCTAssertTrue(sawTwoClasses)
    }

    func testNoCallClipsHaveZeroLabelsAndBackgroundAudio() throws {
        let d = try prepared()
        var c = AugmentationConfig.none
        c.noCallShare = 1
        let composer = try ExampleComposer(data: d.train, augmentation: c, crop: CropConfig(seconds: 1), seed: 2)
        let order = composer.epochOrder(epoch: 0)
        for i in 0..<4 {
            let e = composer.example(epoch: 0, index: i, order: order)
            XCTAssertEqual(e.labels, [Float](repeating: 0, count: 3))
            let level = 20 * log10(Waveform.rms(e.samples))
            XCTAssertTrue(level >= -50.01 && level <= -19.99, "\(level) dBFS")
        }
        // About noCallShare of clips are empty under the default recipe.
        var defaults = AugmentationConfig()
        defaults.noCallShare = 0.3
        let mixed = try ExampleComposer(data: d.train, augmentation: defaults, crop: CropConfig(seconds: 1), seed: 3)
        let empty = (0..<200).filter { i in
            var r = TrainingRandom.generator(seed: 3, epoch: 0, index: i, purpose: .choice, salt: 1)
            return r.chance(0.3) && mixed.composed(epoch: 0, index: i, variant: 0, firstFile: 0).labels.allSatisfy { $0 == 0 }
        }.count
        XCTAssertEqual(Double(empty) / 200, 0.3, accuracy: 0.08)
    }

    func testClassBalancedSamplingIsUniformOverClasses() throws {
        let d = try prepared()
        let composer = try ExampleComposer(data: d.train, augmentation: .none, crop: CropConfig(seconds: 1, classBalanced: true), seed: 9)
        var counts = [Int](repeating: 0, count: 3)
        for i in 0..<3000 {
            let f = composer.firstFile(epoch: 1, index: i, order: [])
            counts[d.train.classes.index(of: d.train.entries[f].primaryLabel)!] += 1
        }
        XCTAssertTrue(counts.allSatisfy { abs($0 - 1000) < 100 }, "\(counts)")
        // Unbalanced: each epoch visits every file once, in a seeded order.
        let plain = try ExampleComposer(data: d.train, augmentation: .none, crop: CropConfig(seconds: 1), seed: 9)
        XCTAssertEqual(plain.epochOrder(epoch: 0).sorted(), Array(0..<d.train.count))
        XCTAssertEqual(plain.epochOrder(epoch: 0), plain.epochOrder(epoch: 0))
        XCTAssertNotEqual(plain.epochOrder(epoch: 0), plain.epochOrder(epoch: 1))
    }

    func testFullRecipeIsDeterministicPerSeedEpochAndIndex() throws {
        let d = try prepared()
        var c = AugmentationConfig()
        for p in [
            \AugmentationConfig.noiseProbability, \.backgroundProbability, \.pitchShiftProbability, \.timeStretchProbability,
            \.gainProbability, \.timeShiftProbability, \.lowPassProbability, \.mixupProbability,
        ] { c[keyPath: p] = 0.7 }
        let a = try ExampleComposer(data: d.train, augmentation: c, crop: CropConfig(seconds: 1), seed: 5)
        let b = try ExampleComposer(data: d.train, augmentation: c, crop: CropConfig(seconds: 1), seed: 5)
        let other = try ExampleComposer(data: d.train, augmentation: c, crop: CropConfig(seconds: 1), seed: 6)
        let order = a.epochOrder(epoch: 2)
        // Out of order, twice: the same examples.
        for i in [5, 0, 3, 5] {
            let x = a.example(epoch: 2, index: i, order: order)
            XCTAssertEqual(x, b.example(epoch: 2, index: i, order: b.epochOrder(epoch: 2)))
            XCTAssertNotEqual(x.samples, other.example(epoch: 2, index: i, order: other.epochOrder(epoch: 2)).samples)
            XCTAssertNotEqual(x.samples, a.example(epoch: 3, index: i, order: a.epochOrder(epoch: 3)).samples)
            XCTAssertEqual(x.samples.count, 32_000)
            XCTAssertTrue(x.samples.allSatisfy(\.isFinite))
            XCTAssertTrue(x.labels.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
        // Mixup makes soft labels somewhere.
        let soft = (0..<40).contains { a.example(epoch: 0, index: $0, order: order).labels.contains { $0 > 0 && $0 < 1 } }
        XCTAssertTrue(soft)
    }

    func testPreparedDataSkipsUndecodableAndMissingRowsOnce() throws {
        let dir = try Scratch.folder("prepared-bad")
        try TinyDataset.write(to: dir)
        // Corrupt one clip and list one that does not exist.
        let csv = dir + "/train.csv"
        var text = try String(contentsOfFile: csv, encoding: .utf8)
        let firstFile = try Manifest.birdCLEF(csv: csv, audioRoot: dir + "/train_audio").entries[0].path
        try Data("RIFF garbage".utf8).write(to: URL(fileURLWithPath: firstFile))
        let label = try Manifest.birdCLEF(csv: csv, audioRoot: dir + "/train_audio").entries[0].primaryLabel
        text += "\(label),[],\(label)/gone.wav\n"
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        let m = try Manifest.birdCLEF(csv: csv, audioRoot: dir + "/train_audio")
        let d = try PreparedData.prepare(manifest: m, cache: AudioCache(directory: dir + "/cache"), validationFraction: 0.25, seed: 1)
        XCTAssertEqual(d.skipped.map(\.path).sorted(), [firstFile, dir + "/train_audio/\(label)/gone.wav"].sorted())
        XCTAssertEqual(Set(d.skipped.map(\.path)).count, d.skipped.count)
        XCTAssertEqual(d.train.count + d.validation.count, 11)
        XCTAssertFalse((d.train.entries + d.validation.entries).contains { $0.path == firstFile })
    }
}
