// A 16-bit mono WAV at the target rate is lent where the kernel caches it (AudioStream's
// `lendsPCM16`, MappedPCM16): the same integers libsndfile decodes, whatever chunks surround
// the data; anything else is still decoded; a file that shrinks while read is an error, not a
// crash.
import Foundation
import WarblerTestSupport
import XCTest

@testable import WarblerAudio

final class MappedPCM16Tests: TemporaryDirectoryTestCase {
    override class var directoryPrefix: String { "warbler-mapped" }

    static func samples(_ count: Int, seed: Int) -> [Int16] {
        (0..<count).map { Int16(truncatingIfNeeded: ($0 &* 7919 &+ seed &* 104_729) % 65_536 - 32_768) }
    }

    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    static func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16((v >> 16) & 0xFFFF) }

    static func chunk(_ id: String, _ body: [UInt8], size: Int? = nil) -> [UInt8] {
        Array(id.utf8) + le32(size ?? body.count) + body + (body.count % 2 == 1 ? [0] : [])
    }

    /// "fmt " for 16-bit PCM: plain (tag 1) or WAVE_FORMAT_EXTENSIBLE with the PCM subformat.
    static func format(channels: Int = 1, rate: Int = 32_000, extensible: Bool = false) -> [UInt8] {
        var b = le16(extensible ? 0xFFFE : 1) + le16(channels) + le32(rate) + le32(rate * 2 * channels) + le16(2 * channels) + le16(16)
        if extensible {
            b += le16(22) + le16(16) + le32(channels == 1 ? 4 : 3)
            b += [1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71]
        }
        return chunk("fmt ", b)
    }

    static func wav(_ chunks: [[UInt8]], magic: String = "RIFF") -> Data {
        let body = Array("WAVE".utf8) + chunks.flatMap { $0 }
        return Data(Array(magic.utf8) + le32(body.count) + body)
    }

    static func data(_ samples: [Int16], size: Int? = nil) -> [UInt8] {
        chunk("data", samples.flatMap { le16(Int(UInt16(bitPattern: $0))) }, size: size)
    }

    /// Everything `withNextPiece` lends, as integers (float pieces converted back), and
    /// whether the stream read the file in place.
    func lent(_ path: String, blockSamples: Int) throws -> (values: [Int16], inPlace: Bool) {
        let stream = try AudioStream(path: path, config: AudioConfig(sampleRate: 32_000), blockSamples: blockSamples, lendsPCM16: true)
        var values: [Int16] = []
        while try stream.withNextPiece({ (piece: AudioPiece) -> Void in
            switch piece {
            case .pcm16(let i): values.append(contentsOf: i)
            case .float(let f): values.append(contentsOf: f.map { Int16($0 * 32_768) })
            }
        }) != nil {}
        XCTAssertEqual(stream.samplesEmitted, values.count, path)
        return (values, stream.readsInPlace)
    }

    /// What libsndfile decodes.
    func decoded(_ path: String) throws -> [Int16] {
        let file = try SoundFile(path: path)
        var all: [Int16] = []
        var buffer = [Int16](repeating: 0, count: 4096)
        while true {
            let n = try buffer.withUnsafeMutableBufferPointer { try file.readPCM16(into: $0.baseAddress!, frames: 4096) }
            if n == 0 { break }
            all.append(contentsOf: buffer[0..<n])
        }
        return all
    }

    func testWAVLayoutsAreReadInPlaceAsLibsndfileDecodesThem() throws {
        let s = Self.samples(100_003, seed: 1)
        let layouts: [(String, Data)] = [
            ("plain", Self.wav([Self.format(), Self.data(s)])),
            ("extensible", Self.wav([Self.format(extensible: true), Self.data(s)])),
            // An odd-sized chunk is padded to an even length; chunks may come after the data.
            (
                "odd LIST before, chunk after",
                Self.wav([
                    Self.chunk("LIST", Array("INFOIART\u{5}\0\0\0abcd".utf8)), Self.format(), Self.chunk("bext", [UInt8](repeating: 7, count: 603)),
                    Self.data(s), Self.chunk("junk", [1, 2, 3]),
                ])
            ),
            ("odd sample count", Self.wav([Self.format(), Self.data(Array(s.prefix(4_097)))])),
        ]
        for (name, bytes) in layouts {
            let path = dir + "/\(name).wav"
            try bytes.write(to: URL(fileURLWithPath: path))
            let reference = try decoded(path)
            XCTAssertGreaterThan(reference.count, 4_000, name)
            for block in [3_001, 1 << 19] {
                let got = try lent(path, blockSamples: block)
                XCTAssertTrue(got.inPlace, "\(name) is read in place")
                XCTAssertEqual(got.values, reference, "\(name), blocks of \(block)")
            }
            // Readers other than withNextPiece take copies of the same samples.
            let stream = try AudioStream(path: path, config: AudioConfig(sampleRate: 32_000), chunkSize: 777, lendsPCM16: true)
            XCTAssertTrue(stream.readsInPlace)
            XCTAssertEqual(try stream.readAll(), reference.map { Float($0) * SoundFile.pcm16Scale }, name)
        }
    }

    /// Pieces that cross the mapped windows' edges, and windows smaller than a piece.
    func testPiecesAcrossWindows() throws {
        let s = Self.samples(100_001, seed: 4)
        let path = dir + "/windows.wav"
        try Self.wav([Self.chunk("LIST", [UInt8](repeating: 1, count: 77)), Self.format(), Self.data(s)]).write(to: URL(fileURLWithPath: path))
        for (window, piece) in [(4_096, 3_001), (1_000, 3_001), (100_001, 65_536), (1, 7)] {
            let mapped = try XCTUnwrap(MappedPCM16(file: try SoundFile(path: path), windowSamples: window))
            var got: [Int16] = []
            while try mapped.withNext(maxFrames: piece, { got.append(contentsOf: $0) }) != nil {}
            XCTAssertEqual(got, s, "windows of \(window), pieces of \(piece)")
        }
    }

    func testOtherFilesAreDecoded() throws {
        let s = Self.samples(50_000, seed: 2)
        let cases: [(String, Data, AudioConfig)] = [
            ("stereo", Self.wav([Self.format(channels: 2), Self.data(s)]), AudioConfig(sampleRate: 32_000)),
            ("another rate", Self.wav([Self.format(rate: 16_000), Self.data(s)]), AudioConfig(sampleRate: 32_000)),
            // A recorder that never came back to write the length leaves a placeholder.
            ("placeholder length", Self.wav([Self.format(), Self.data(s, size: 0xFFFF_FFFF)]), AudioConfig(sampleRate: 32_000)),
        ]
        for (name, bytes, config) in cases {
            let path = dir + "/\(name).wav"
            try bytes.write(to: URL(fileURLWithPath: path))
            let stream = try AudioStream(path: path, config: config, lendsPCM16: true)
            XCTAssertFalse(stream.readsInPlace, name)
            let all = try stream.readAll()
            XCTAssertEqual(all.count, try AudioLoader.load(path, config: config).samples.count, name)
            XCTAssertGreaterThan(all.count, 0, name)
        }
        // Without lendsPCM16, no stream reads in place.
        let path = dir + "/plain.wav"
        try Self.wav([Self.format(), Self.data(s)]).write(to: URL(fileURLWithPath: path))
        XCTAssertFalse(try AudioStream(path: path, config: AudioConfig(sampleRate: 32_000)).readsInPlace)
        XCTAssertFalse(try AudioStream(path: path, config: AudioConfig(sampleRate: 16_000), lendsPCM16: true).readsInPlace)
    }

    func expectChanged(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) {
        do {
            try body()
            XCTFail("a file that shrank while read gave no error", file: file, line: line)
        } catch let e as AudioError {
            XCTAssertEqual(e.kind, .truncated, e.description, file: file, line: line)
            XCTAssertTrue(e.description.contains("changed while it was being read"), e.description, file: file, line: line)
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }

    /// Truncated while a piece is lent: the pages past the new end read as zeros (no SIGBUS),
    /// and the piece's call throws. Truncated between pieces: the next call throws.
    func testAFileThatShrinksWhileReadIsAnErrorNotACrash() throws {
        let s = Self.samples(1 << 20, seed: 3)
        let path = dir + "/shrinks.wav"
        for truncateInside in [true, false] {
            try Self.wav([Self.format(), Self.data(s)]).write(to: URL(fileURLWithPath: path))
            let stream = try AudioStream(path: path, config: AudioConfig(sampleRate: 32_000), blockSamples: 1 << 18, lendsPCM16: true)
            XCTAssertTrue(stream.readsInPlace)
            var sum = 0
            if truncateInside {
                expectChanged {
                    _ = try stream.withNextPiece { piece in
                        XCTAssertEqual(truncate(path, 44 + 2_000), 0)
                        guard case .pcm16(let i) = piece else { return XCTFail("not lent as integers") }
                        for v in i { sum &+= Int(v) }
                        // The first 1,000 samples are still in the file; the rest read as zeros.
                        XCTAssertEqual(Array(i[0..<1_000]), Array(s[0..<1_000]))
                        XCTAssertEqual(i[(1 << 18) - 1], 0)
                    }
                }
            } else {
                _ = try stream.withNextPiece { piece in
                    guard case .pcm16(let i) = piece else { return XCTFail("not lent as integers") }
                    XCTAssertEqual(Array(i), Array(s[0..<(1 << 18)]))
                }
                XCTAssertEqual(truncate(path, 44 + 2_000), 0)
                expectChanged { _ = try stream.withNextPiece { _ in } }
            }
        }
    }
}
