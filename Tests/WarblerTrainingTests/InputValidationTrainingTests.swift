// Training input that is hostile or damaged (issue 12, part A): manifest rows that reach outside
// --audio-root are refused, and recordings with NaN samples or a truncated Ogg stream are
// skipped with their cause instead of hanging or trapping the run.
import Foundation
import WarblerAudio
import XCTest
@testable import WarblerTraining

final class InputValidationTrainingTests: XCTestCase {
    func testManifestPathsOutsideTheAudioRootAreRefused() throws {
        let dir = try Scratch.folder("escape")
        let root = dir + "/audio"
        try FileManager.default.createDirectory(atPath: root + "/a", withIntermediateDirectories: true)
        try AudioWriter.write(Signals.tone(1000, count: 8000), sampleRate: 32_000, to: root + "/a/1.wav")
        try AudioWriter.write(Signals.tone(1000, count: 8000), sampleRate: 32_000, to: dir + "/outside.wav")
        for (n, bad) in ["../outside.wav", dir + "/outside.wav", "a/../../outside.wav"].enumerated() {
            let csv = dir + "/train\(n).csv"
            try "primary_label,secondary_labels,filename\na,[],a/1.wav\na,[],\(bad)\n".write(toFile: csv, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try Manifest.birdCLEF(csv: csv, audioRoot: root)) {
                let text = "\($0)"
                XCTAssertTrue(text.contains("\(csv), line 3"), text)
                XCTAssertTrue(text.contains("outside --audio-root"), text)
            }
        }
        let cornell = dir + "/cornell.csv"
        try "ebird_code,filename\na,1.wav\n..,outside.wav\n".write(toFile: cornell, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Manifest.cornell(csv: cornell, audioRoot: root)) {
            XCTAssertTrue("\($0)".contains("'ebird_code' field '..'"), "\($0)")
        }
        // A name that merely contains dots is fine.
        let fine = dir + "/fine.csv"
        try "primary_label,secondary_labels,filename\na,[],a/1.wav\na,[],a/..2.wav\n".write(toFile: fine, atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: root + "/a/1.wav", toPath: root + "/a/..2.wav")
        XCTAssertEqual(try Manifest.birdCLEF(csv: fine, audioRoot: root).entries.count, 2)
    }

    /// Four float WAVs full of NaN once made `train` spin forever in AveragePrecision.
    func testNaNAndTruncatedOggRecordingsAreSkippedWithTheirCause() throws {
        let dir = try Scratch.folder("nonfinite")
        let good = dir + "/good.wav", nan = dir + "/nan.wav", ogg = dir + "/cut.ogg"
        try AudioWriter.write(Signals.tone(1000, count: 16_000), sampleRate: 32_000, to: good)
        try AudioWriter.write([Float](repeating: .nan, count: 16_000), sampleRate: 32_000, to: nan, encoding: .float32)
        try AudioWriter.write(Signals.tone(1000, count: 64_000), sampleRate: 32_000, to: ogg)
        let data = try Data(contentsOf: URL(fileURLWithPath: ogg))
        try data.prefix(data.count - 10).write(to: URL(fileURLWithPath: ogg))
        let load = try AudioCache(directory: dir + "/cache").load([good, nan, ogg], threads: 2)
        XCTAssertEqual(Array(load.audio.keys), [good])
        let causes = Dictionary(uniqueKeysWithValues: load.failures.map { ($0.path, $0.cause) })
        XCTAssertTrue(causes[nan]?.contains("NaN or infinite samples") ?? false, "\(causes)")
        XCTAssertTrue(causes[ogg]?.contains("truncated") ?? false, "\(causes)")
    }

    /// A cache written before NaN audio was refused still holds it: it is found on the first
    /// read and the recording skipped. A loud float sample is clipped to float16's range
    /// instead of turning infinite in the cache.
    func testNaNInAnOlderCacheIsFoundAndLoudSamplesStayFinite() throws {
        let dir = try Scratch.folder("oldcache")
        let wav = dir + "/x.wav", loud = dir + "/loud.wav"
        try AudioWriter.write(Signals.tone(1000, count: 16_000), sampleRate: 32_000, to: wav)
        try AudioWriter.write([Float](repeating: 1e6, count: 16_000), sampleRate: 32_000, to: loud, encoding: .float32)
        let cache = try AudioCache(directory: dir + "/cache")
        let key = try cache.key(for: wav)
        var old = Signals.tone(1000, count: 16_000)
        old[5] = .nan
        try CachedAudio.write(old, sampleRate: 32_000, keyHash: AudioCache.hash(key), to: dir + "/cache/" + AudioCache.fileName(forKey: key))
        let load = try cache.load([wav, loud], threads: 1)
        XCTAssertEqual(load.failures, [SkippedFile(path: wav, cause: "the audio contains NaN or infinite samples.")])
        let samples = try XCTUnwrap(load.audio[loud]).allSamples()
        XCTAssertTrue(samples.allSatisfy { $0.isFinite }, "\(samples.prefix(3))")
        XCTAssertEqual(samples[0], 65_504)
    }
}
