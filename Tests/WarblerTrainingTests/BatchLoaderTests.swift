// The background batch loader: shapes, the same batches whatever the worker count and timing,
// a bounded queue, model-idle time, errors, and validation windows.
import Foundation
import WarblerAudio
import WarblerFeatures
import XCTest
@testable import WarblerTraining

final class BatchLoaderTests: XCTestCase {
    nonisolated(unsafe) static var data: PreparedData?

    private func prepared() throws -> PreparedData {
        if let d = Self.data { return d }
        let d = try TinyDataset.prepared("loader")
        Self.data = d
        return d
    }

    private func all(_ loader: BatchLoader) throws -> [TrainingBatch] {
        var out: [TrainingBatch] = []
        while let b = try loader.next() { out.append(b) }
        return out
    }

    func testTrainingBatchesAreTheSameForAnyWorkerCount() throws {
        let d = try prepared()
        var c = AugmentationConfig()
        c.pitchShiftProbability = 0.5
        c.timeStretchProbability = 0.5
        let composer = try ExampleComposer(data: d.train, augmentation: c, crop: CropConfig(seconds: 1), seed: 3)
        let config1 = LoaderConfig(batchSize: 4, workers: 1, prefetch: 1, examplesPerEpoch: 16)
        let config3 = LoaderConfig(batchSize: 4, workers: 3, prefetch: 4, examplesPerEpoch: 16)
        let a = try all(BatchLoader.training(composer: composer, frontEnd: FrontEndConfig(), config: config1, epoch: 1))
        let b = try all(BatchLoader.training(composer: composer, frontEnd: FrontEndConfig(), config: config3, epoch: 1))
        XCTAssertEqual(a.count, 4)
        XCTAssertEqual(a.map(\.index), [0, 1, 2, 3])
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.features, y.features)
            XCTAssertEqual(x.labels, y.labels)
            XCTAssertEqual(x.files, y.files)
        }
        let first = a[0]
        XCTAssertEqual(first.batchSize, 4)
        XCTAssertEqual(first.frames, 101)  // 1 s at hop 320, centred
        XCTAssertEqual(first.mels, 128)
        XCTAssertEqual(first.classes, 3)
        XCTAssertEqual(first.features.count, 4 * 101 * 128)
        XCTAssertEqual(first.labels.count, 4 * 3)
        XCTAssertEqual(try first.featureTensor().shape.dims, [4, 1, 101, 128])
        XCTAssertEqual(try first.labelTensor().shape.dims, [4, 3])
        // Resuming mid-epoch gives the same later batches; a direct call gives the same batch.
        let resumed = try all(BatchLoader.training(composer: composer, frontEnd: FrontEndConfig(), config: config3, epoch: 1, startBatch: 2))
        XCTAssertEqual(resumed.map(\.index), [2, 3])
        XCTAssertEqual(resumed[1].features, a[3].features)
        let direct = try BatchLoader.trainingBatch(
            composer: composer, frontEnd: FrontEnd(threads: 1), epoch: 1, index: 2,
            batchSize: 4, order: composer.epochOrder(epoch: 1))
        XCTAssertEqual(direct.features, a[2].features)
        // Another epoch differs.
        let e2 = try all(BatchLoader.training(composer: composer, frontEnd: FrontEndConfig(), config: config1, epoch: 2))
        XCTAssertNotEqual(e2[0].features, a[0].features)
    }

    func testQueueIsBoundedAndIdleTimeIsMeasured() throws {
        let made = Locked<[Int]>([]), taken = Locked(0)
        let prefetch = 2
        func loader() -> BatchLoader {
            BatchLoader(batchCount: 8, workers: 2, prefetch: prefetch) { _, b in
                made.mutate { $0.append(b - taken.value) }
                Thread.sleep(forTimeInterval: 0.04)
                return BatchLoader.pack(
                    [Spectrogram(frameCount: 1, binCount: 1)], labels: [[0]], epoch: 0, index: b,
                    classes: 1, files: [0], offsets: [0])
            }
        }
        // A consumer that never waits on its own: it is idle while batches are made.
        let fast = loader()
        while let _ = try fast.next() { taken.mutate { $0 += 1 } }
        XCTAssertGreaterThan(fast.waitedSeconds, 0.1)  // 8 batches x 40 ms on 2 workers >= 160 ms
        // No batch was started more than `prefetch` ahead of the consumer.
        XCTAssertTrue(made.value.allSatisfy { $0 <= prefetch }, "\(made.value)")
        // A slow consumer (a model step of 100 ms) waits only for the first batch.
        taken.mutate { $0 = 0 }
        let slow = loader()
        while let _ = try slow.next() {
            taken.mutate { $0 += 1 }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTAssertLessThan(slow.waitedSeconds, fast.waitedSeconds / 2)
        XCTAssertLessThan(slow.waitedSeconds, 0.15)
    }

    func testWorkerErrorsReachTheConsumer() throws {
        struct Boom: Error {}
        let loader = BatchLoader(batchCount: 4, workers: 2, prefetch: 2) { _, b in
            if b == 2 { throw Boom() }
            return BatchLoader.pack(
                [Spectrogram(frameCount: 1, binCount: 1)], labels: [[0]], epoch: 0, index: b,
                classes: 1, files: [0], offsets: [0])
        }
        XCTAssertEqual(try loader.next()?.index, 0)
        XCTAssertEqual(try loader.next()?.index, 1)
        XCTAssertThrowsError(try loader.next()) { XCTAssertTrue($0 is Boom) }
        // Dropping a loader with work left stops its workers (the test would hang otherwise).
        let abandoned = BatchLoader(batchCount: 100, workers: 2, prefetch: 2) { _, b in
            BatchLoader.pack([Spectrogram(frameCount: 1, binCount: 1)], labels: [[0]], epoch: 0, index: b, classes: 1, files: [0], offsets: [0])
        }
        XCTAssertNotNil(try abandoned.next())
        abandoned.cancel()
        XCTAssertNil(try abandoned.next())
    }

    func testValidationCoversEveryWindowUnaugmented() throws {
        let d = try prepared()
        let crop = CropConfig(seconds: 0.75)  // 24000 samples: 3 windows per 2-s file, the last padded
        let loader = try BatchLoader.validation(
            data: d.validation, crop: crop, frontEnd: FrontEndConfig(),
            config: LoaderConfig(batchSize: 4, workers: 2))
        let batches = try all(loader)
        let rows = batches.flatMap { b in (0..<b.batchSize).map { (b, $0) } }
        XCTAssertEqual(rows.count, 3 * d.validation.count)
        XCTAssertEqual(batches.last!.batchSize, 1)  // 9 windows in batches of 4
        let fe = try FrontEnd(threads: 1)
        for (b, j) in rows {
            let file = b.files[j], offset = b.offsets[j]
            XCTAssertEqual(Array(b.labelVector(j)), d.validation.labels[file])
            let expected = try fe(Crop.window(from: d.validation.audio[file], start: offset, length: 24_000)).values
            let got = Array(b.features[(j * b.frames * b.mels)..<((j + 1) * b.frames * b.mels)])
            XCTAssertEqual(got, expected)
        }
        XCTAssertEqual(Set(rows.map { $0.0.offsets[$0.1] }), [0, 24_000, 48_000])
    }
}
