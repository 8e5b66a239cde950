// The decoded-audio cache: decodes once, matches the decoder within float16 precision, notices
// changed and added files, reports undecodable files once, and serves concurrent readers.
import Foundation
import WarblerAudio
import XCTest
@testable import WarblerTraining

final class AudioCacheTests: XCTestCase {
    private func files(_ dir: String) throws -> [String] {
        let a = dir + "/a.wav", b = dir + "/b.flac"
        // 44.1 kHz stereo and 22.05 kHz mono: both must come out at 32 kHz mono.
        let stereo = (0..<44_100).flatMap { i -> [Float] in
            let v = Float(sin(Double(i) * 0.05)) * 0.3; return [v, -v * 0.5]
        }
        try AudioWriter.write(stereo, channels: 2, sampleRate: 44_100, to: a)
        try AudioWriter.write(Signals.tone(440, count: 11_025, rate: 22_050), sampleRate: 22_050, to: b)
        return [a, b]
    }

    func testDecodesOnceAndMatchesTheDecoder() throws {
        let dir = try Scratch.folder("cache-once")
        let paths = try files(dir)
        let cache = try AudioCache(directory: dir + "/cache")
        let first = try cache.load(paths)
        XCTAssertEqual(first.decoded, 2)
        XCTAssertTrue(first.failures.isEmpty)
        for p in paths {
            let reference = try AudioLoader.load(p).samples
            let cached = first.audio[p]!
            XCTAssertEqual(cached.sampleRate, 32_000)
            XCTAssertEqual(cached.count, reference.count)
            let got = cached.allSamples()
            // float16 keeps 11 significant bits: relative error <= 2^-11 (plus subnormals near 0).
            for i in stride(from: 0, to: reference.count, by: 7) {
                XCTAssertEqual(got[i], reference[i], accuracy: abs(reference[i]) / 2048 + 1e-6)
            }
        }
        // Cache files: 64-byte header + 2 bytes a sample.
        let a = first.audio[paths[0]]!
        let name = AudioCache.fileName(forKey: try cache.key(for: paths[0]))
        let size = try FileManager.default.attributesOfItem(atPath: dir + "/cache/" + name)[.size] as! Int
        XCTAssertEqual(size, 64 + 2 * a.count)
        // A second cache object (a new process) decodes nothing.
        let again = try AudioCache(directory: dir + "/cache").load(paths)
        XCTAssertEqual(again.decoded, 0)
        XCTAssertEqual(again.audio[paths[1]]!.allSamples(), first.audio[paths[1]]!.allSamples())
        // The index is valid JSON naming both files.
        let index = try JSONDecoder().decode(AudioCache.Index.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/cache/index.json")))
        XCTAssertEqual(Set(index.entries.keys), Set(paths))
    }

    func testNoticesChangedAndAddedFiles() throws {
        let dir = try Scratch.folder("cache-change")
        let paths = try files(dir)
        _ = try AudioCache(directory: dir + "/cache").load(paths)
        // Rewrite a.wav with other content and length; add c.wav.
        try AudioWriter.write(Signals.tone(1000, count: 16_000), sampleRate: 32_000, to: paths[0])
        let c = dir + "/c.wav"
        try AudioWriter.write(Signals.tone(2000, count: 3200), sampleRate: 32_000, to: c)
        let load = try AudioCache(directory: dir + "/cache").load(paths + [c])
        XCTAssertEqual(load.decoded, 2)
        XCTAssertEqual(load.audio[paths[0]]!.count, 16_000)
        XCTAssertEqual(load.audio[c]!.count, 3200)
        // The stale cache file of the old a.wav is gone: two data files and the index remain... plus c.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/cache").filter { $0.hasSuffix(".f16") }
        XCTAssertEqual(names.count, 3)
        // A different audio config is a different key.
        let other = try AudioCache(directory: dir + "/cache", config: AudioConfig(sampleRate: 16_000)).load([c])
        XCTAssertEqual(other.decoded, 1)
        XCTAssertEqual(other.audio[c]!.count, 1600)
    }

    func testUndecodableAndMissingFilesAreReportedAndRemembered() throws {
        let dir = try Scratch.folder("cache-bad")
        let bad = dir + "/bad.ogg", missing = dir + "/none.wav"
        try Data("this is not audio".utf8).write(to: URL(fileURLWithPath: bad))
        let good = try files(dir)[0]
        let load = try AudioCache(directory: dir + "/cache").load([good, bad, missing])
        XCTAssertEqual(load.audio.count, 1)
        XCTAssertEqual(load.failures.map(\.path), [bad, missing])
        XCTAssertEqual(load.failures[1].cause, "the file does not exist")
        XCTAssertFalse(load.failures[0].cause.isEmpty)
        // Remembered: reported again with the same cause, not decoded again.
        let again = try AudioCache(directory: dir + "/cache").load([bad])
        XCTAssertEqual(again.failures, [load.failures[0]])
        XCTAssertEqual(again.decoded, 0)
        // A manifest without the failed files; a class left empty stops.
        let m = try Manifest(entries: [ManifestEntry(path: good, primaryLabel: "x"), ManifestEntry(path: bad, primaryLabel: "y")], source: "t")
        XCTAssertThrowsError(try m.removing(load.failures, source: "t")) { XCTAssertTrue("\($0)".contains("'y'")) }
    }

    func testConcurrentCachesAndReaders() throws {
        let dir = try Scratch.folder("cache-concurrent")
        var paths: [String] = []
        for i in 0..<6 {
            let p = dir + "/f\(i).wav"
            try AudioWriter.write(Signals.tone(500 + 100 * Double(i), count: 8000), sampleRate: 16_000, to: p)
            paths.append(p)
        }
        // Four caches on one folder (as four processes would be) load the same files at once.
        let results = Locked<[CacheLoad]>([])
        let shared = paths
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let load = try! AudioCache(directory: dir + "/cache").load(shared, threads: 2)
            results.mutate { $0.append(load) }
        }
        let all = results.value
        XCTAssertEqual(all.count, 4)
        let reference = all[0].audio[paths[3]]!.allSamples()
        XCTAssertEqual(reference.count, 16_000)
        for r in all {
            XCTAssertTrue(r.failures.isEmpty)
            XCTAssertEqual(r.audio[paths[3]]!.allSamples(), reference)
        }
        // Whatever the race, a later cache finds every file.
        XCTAssertEqual(try AudioCache(directory: dir + "/cache").load(paths).decoded, 0)
        // Temporary files never remain.
        XCTAssertTrue(try FileManager.default.contentsOfDirectory(atPath: dir + "/cache").allSatisfy { !$0.contains(".tmp-") })
    }
}

/// A value behind a lock, for collecting results from concurrent test code.
final class Locked<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var v: T
    init(_ v: T) { self.v = v }
    var value: T { lock.lock(); defer { lock.unlock() }; return v }
    func mutate(_ f: (inout T) -> Void) { lock.lock(); f(&v); lock.unlock() }
}
