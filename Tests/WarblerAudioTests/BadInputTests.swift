// Broken and unsupported files get one clear sentence naming the file and the cause.
import Foundation
import WarblerAudio
import WarblerTestSupport
import XCTest

final class BadInputTests: TemporaryDirectoryTestCase {
    override class var directoryPrefix: String { "warbler-bad" }

    func expectError(
        _ path: String, _ kind: AudioError.Kind, mentioning words: [String],
        file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            _ = try AudioLoader.load(path)
            XCTFail("\(path) loaded without error", file: file, line: line)
        } catch let e as AudioError {
            XCTAssertEqual(e.kind, kind, e.description, file: file, line: line)
            XCTAssertTrue(e.description.hasPrefix(path + ": "), "message must start with the file: \(e)", file: file, line: line)
            for w in words { XCTAssertTrue(e.description.contains(w), "'\(e)' should mention '\(w)'", file: file, line: line) }
            XCTAssertFalse(e.description.contains("\n"), "one line: \(e)", file: file, line: line)
        } catch {
            XCTFail("unexpected error type \(error)", file: file, line: line)
        }
    }

    func writeExample(_ name: String, seconds: Double = 1, sampleRate: Int = 22_050) throws -> String {
        let path = dir + "/" + name
        try AudioWriter.write(ExampleRecording.generate(seconds: seconds, sampleRate: sampleRate), sampleRate: sampleRate, to: path)
        return path
    }

    func truncate(_ path: String, keeping fraction: Double) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(Int(Double(data.count) * fraction)).write(to: URL(fileURLWithPath: path))
    }

    func testMissingFile() {
        expectError(dir + "/nope.wav", .missing, mentioning: ["no such file"])
    }

    func testEmptyFile() throws {
        let p = dir + "/empty.wav"
        FileManager.default.createFile(atPath: p, contents: Data())
        expectError(p, .empty, mentioning: ["empty"])
    }

    func testTextFileIsUnsupported() throws {
        let p = dir + "/notes.wav"
        try "these are field notes, not audio\n".write(toFile: p, atomically: false, encoding: .utf8)
        expectError(p, .unsupportedFormat, mentioning: ["not a recognised audio format"])
    }

    func testRandomBytesAreRejected() throws {
        let p = dir + "/noise.flac"
        var rng = SplitMix64(seed: 3)
        let bytes = (0..<20_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        FileManager.default.createFile(atPath: p, contents: Data(bytes))
        do {
            _ = try AudioLoader.load(p)
            XCTFail("random bytes decoded")
        } catch let e as AudioError {
            XCTAssertTrue([.unsupportedFormat, .corrupt].contains(e.kind), e.description)
            XCTAssertTrue(e.description.hasPrefix(p))
        }
    }

    func testDirectoryIsRejected() {
        expectError(dir, .unreadable, mentioning: ["directory"])
    }

    func testTruncatedWAV() throws {
        let p = try writeExample("cut.wav")
        try truncate(p, keeping: 0.5)
        expectError(p, .truncated, mentioning: ["truncated"])
    }

    func testTruncatedFLAC() throws {
        let p = try writeExample("cut.flac")
        try truncate(p, keeping: 0.5)
        expectError(p, .truncated, mentioning: ["truncated"])
    }

    func testHeaderOnlyWAV() throws {
        let p = try writeExample("header.wav")
        try truncate(p, keeping: 44.0 / Double(try Data(contentsOf: URL(fileURLWithPath: p)).count))
        do {
            _ = try AudioLoader.load(p)
            XCTFail("a header-only WAV loaded")
        } catch let e as AudioError {
            XCTAssertTrue([.empty, .truncated, .corrupt].contains(e.kind), e.description)
        }
    }

    /// Dropping a stream part-way stops its decoder thread and closes the file: the file is
    /// long enough (11 blocks) that a decoder left running would block on its full queue and
    /// keep its descriptor open.
    func testAbandonedStreamsStopTheirDecoder() throws {
        let p = try writeExample("long.flac", seconds: 32)
        func openDescriptors() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0 }
        let before = openDescriptors()
        for _ in 0..<40 {
            let stream = try AudioStream(path: p, chunkSize: 1000)
            _ = try stream.nextChunk()
        }
        XCTAssertLessThanOrEqual(openDescriptors(), before + 2, "abandoned streams leaked open files")
        XCTAssertEqual(try AudioLoader.load(p).samples.count, 32 * 32_000)
    }

    func testNonPositiveTargetRate() throws {
        let p = try writeExample("ok.wav")
        XCTAssertThrowsError(try AudioLoader.load(p, config: AudioConfig(sampleRate: 0)))
    }

    func testWrittenFilesRoundTrip() throws {
        for ext in ["wav", "flac", "ogg", "opus"] {
            // Opus only takes 8, 12, 16, 24 or 48 kHz.
            let p = try writeExample("round.\(ext)", seconds: 0.5, sampleRate: ext == "opus" ? 48_000 : 22_050)
            let info = try AudioFileInfo(path: p)
            XCTAssertEqual(info.channels, 1, ext)
            XCTAssertEqual(info.sampleRate, ext == "opus" ? 48_000 : 22_050, ext)
            XCTAssertEqual(info.frames > 0, true, ext)
            let clip = try AudioLoader.load(p)
            XCTAssertEqual(clip.sampleRate, 32_000)
            XCTAssertGreaterThan(clip.samples.map { abs($0) }.max() ?? 0, 0.1, "\(ext): audio survived")
        }
    }
}
