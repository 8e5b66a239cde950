// Hostile and damaged audio built on the fly (issue 12, part A): each is refused with one
// sentence naming the file and the cause, with no trap, hang or runaway allocation.
import Foundation
import WarblerAudio
import WarblerTestSupport
import XCTest

final class InputValidationTests: TemporaryDirectoryTestCase {
    override class var directoryPrefix: String { "warbler-inputs" }

    func expectError(
        _ path: String, _ kind: AudioError.Kind, mentioning words: [String], avoiding bad: [String] = [],
        _ body: (String) throws -> Void = { _ = try AudioLoader.load($0) },
        file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            try body(path)
            XCTFail("\(path) was accepted", file: file, line: line)
        } catch let e as AudioError {
            XCTAssertEqual(e.kind, kind, e.description, file: file, line: line)
            XCTAssertTrue(e.description.hasPrefix(path + ": "), "message must start with the file: \(e)", file: file, line: line)
            for w in words { XCTAssertTrue(e.description.contains(w), "'\(e)' should mention '\(w)'", file: file, line: line) }
            for w in bad { XCTAssertFalse(e.description.contains(w), "'\(e)' should not say '\(w)'", file: file, line: line) }
            XCTAssertFalse(e.description.contains("\n"), "one line: \(e)", file: file, line: line)
        } catch {
            XCTFail("unexpected error type \(error)", file: file, line: line)
        }
    }

    func write(_ name: String, _ samples: [Float], sampleRate: Int = 16_000, encoding: AudioWriter.Encoding = .pcm16) throws -> String {
        let path = dir + "/" + name
        try AudioWriter.write(samples, sampleRate: sampleRate, to: path, encoding: encoding)
        return path
    }

    func example(seconds: Double = 2, sampleRate: Int = 16_000) -> [Float] {
        ExampleRecording.generate(seconds: seconds, sampleRate: sampleRate)
    }

    func cut(_ path: String, droppingLast bytes: Int) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - bytes).write(to: URL(fileURLWithPath: path))
    }

    /// libsndfile says SF_COUNT_MAX frames for an Ogg file missing its last bytes; that used
    /// to trap converting the length to Int.
    func testTruncatedOggIsRefusedNotTrapped() throws {
        let p = try write("cut.ogg", example())
        try cut(p, droppingLast: 10)
        expectError(p, .truncated, mentioning: ["truncated"])
        expectError(p, .truncated, mentioning: ["truncated"]) { _ = try AudioFileInfo(path: $0) }
        expectError(p, .truncated, mentioning: ["truncated"]) { _ = try AudioFileInfo.verified(path: $0) }
        // The intact file still loads.
        let whole = try write("whole.ogg", example())
        XCTAssertEqual(try AudioLoader.load(whole, config: AudioConfig(sampleRate: nil)).samples.count, 32_000)
    }

    func testNonFiniteSamplesAreRefused() throws {
        var samples = example(seconds: 3)
        samples[40_000] = .nan
        let nan = try write("nan.wav", samples, encoding: .float32)
        expectError(nan, .corrupt, mentioning: ["NaN or infinite samples", "2.500 s"])
        var inf = example(seconds: 1)
        inf[3] = -.infinity
        let infPath = try write("inf.wav", inf, encoding: .float32)
        expectError(infPath, .corrupt, mentioning: ["NaN or infinite samples"])
        // Also when resampling would have smeared it over the output.
        expectError(infPath, .corrupt, mentioning: ["NaN or infinite samples"]) { _ = try AudioLoader.load($0, config: AudioConfig(sampleRate: 32_000)) }
        // Finite but absurd: ±3e38 made an infinite power and a spectrogram full of Inf.
        var huge = example(seconds: 1)
        huge[100] = 3e38
        let hugePath = try write("huge.wav", huge, encoding: .float32)
        expectError(hugePath, .corrupt, mentioning: ["absurd size", "0.00"])
        var loud = example(seconds: 1)
        for i in loud.indices { loud[i] *= 1e6 }  // loud, but audio: accepted
        XCTAssertNoThrow(try AudioLoader.load(try write("loud.wav", loud, encoding: .float32)))
    }

    /// A 20 KB WAV whose header says 1 Hz once took gigabytes to resample to 32 kHz.
    func testImplausibleSampleRatesAreRefused() throws {
        for (rate, name) in [(1, "one-hz.wav"), (999, "low.wav"), (4_000_000, "high.wav")] {
            let p = try write(name, example(seconds: 0.5))
            var data = try Data(contentsOf: URL(fileURLWithPath: p))
            // Canonical 44-byte header: sample rate at 24, byte rate at 28 (16-bit mono).
            withUnsafeBytes(of: UInt32(rate).littleEndian) { data.replaceSubrange(24..<28, with: $0) }
            withUnsafeBytes(of: UInt32(rate * 2).littleEndian) { data.replaceSubrange(28..<32, with: $0) }
            try data.write(to: URL(fileURLWithPath: p))
            expectError(p, .corrupt, mentioning: ["sample rate of \(rate) Hz", "1000 to 768000 Hz"])
        }
        let ok = try write("ok.wav", example(seconds: 0.5))
        expectError(ok, .invalidOption, mentioning: ["1000 to 768000 Hz"]) { _ = try AudioLoader.load($0, config: AudioConfig(sampleRate: 2_000_000_000)) }
    }

    func testSymlinkLoopAndBrokenLinkAreNamed() throws {
        let a = dir + "/a.wav", b = dir + "/b.wav"
        try FileManager.default.createSymbolicLink(atPath: a, withDestinationPath: b)
        try FileManager.default.createSymbolicLink(atPath: b, withDestinationPath: a)
        expectError(a, .unreadable, mentioning: ["symlink loop"], avoiding: ["no such file"])
        let broken = dir + "/broken.wav"
        try FileManager.default.createSymbolicLink(atPath: broken, withDestinationPath: dir + "/gone.wav")
        expectError(broken, .missing, mentioning: ["broken symbolic link"])
    }

    func testRandomAndTruncatedMP3() throws {
        let random = dir + "/random.mp3"
        var rng = SplitMix64(seed: 3)
        try Data((0..<3000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }).write(to: URL(fileURLWithPath: random))
        do {
            _ = try AudioLoader.load(random)
            XCTFail("random bytes decoded")
        } catch let e as AudioError {
            XCTAssertTrue(e.description.hasPrefix(random + ": "), e.description)
            XCTAssertFalse(e.description.contains("does not exist"), e.description)
            XCTAssertFalse(e.description.contains("possibly a pipe"), e.description)
        }
        let mp3 = dir + "/half.mp3"
        do { try AudioWriter.write(example(seconds: 4), sampleRate: 16_000, to: mp3) } catch {
            throw XCTSkip("this libsndfile cannot write MP3: \(error)")
        }
        let whole = try AudioFileInfo.verified(path: mp3).frames
        let data = try Data(contentsOf: URL(fileURLWithPath: mp3))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: mp3))
        // The decoded length is reported, not the header's claim of the whole file.
        let half = try AudioFileInfo.verified(path: mp3)
        XCTAssertLessThan(half.frames, whole * 3 / 4)
        XCTAssertFalse(half.frameCountIsEstimate)
        if let stated = half.headerFrames { XCTAssertGreaterThan(stated, half.frames) }
        XCTAssertEqual(try AudioLoader.load(mp3, config: AudioConfig(sampleRate: nil)).samples.count, half.frames)
    }

    /// `info` used to report a 100-byte FLAC as 3 s from its header.
    func testInfoVerifiesTheLengthOfADamagedFLAC() throws {
        let p = try write("tiny.flac", example(seconds: 3))
        let data = try Data(contentsOf: URL(fileURLWithPath: p))
        try data.prefix(100).write(to: URL(fileURLWithPath: p))
        do {
            let info = try AudioFileInfo.verified(path: p)
            XCTFail("a 100-byte FLAC verified as \(info.frames) frames")
        } catch let e as AudioError {
            XCTAssertTrue(e.description.hasPrefix(p + ": "), e.description)
            XCTAssertFalse(e.description.contains("\n"), e.description)
        }
        let good = try write("good.flac", example(seconds: 3))
        XCTAssertEqual(try AudioFileInfo.verified(path: good).frames, 48_000)
    }
}
