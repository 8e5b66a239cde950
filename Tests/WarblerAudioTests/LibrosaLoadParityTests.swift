// Decoding, downmixing and resampling against soundfile and librosa.load on fixtures from
// tools/fixtures/audio.py (every format Warbler reads, 1-6 channels, 8-96 kHz).
import Foundation
@testable import WarblerAudio
import WarblerIO
import WarblerTestSupport
import XCTest

final class LibrosaLoadParityTests: XCTestCase {
    struct Entry { let file: String; let sampleRate: Int; let channels: Int; let frames: Int; let lossy: Bool }

    static func entries() throws -> [Entry] {
        let list = try Fixtures.json("audio/files.json", script: "audio.py") as! [[String: Any]]
        return list.map {
            let subtype = $0["subtype"] as! String
            return Entry(
                file: $0["file"] as! String, sampleRate: $0["sample_rate"] as! Int, channels: $0["channels"] as! Int,
                frames: $0["decoded_frames"] as! Int, lossy: ["VORBIS", "OPUS", "MPEG_LAYER_III"].contains(subtype))
        }
    }

    static func stem(_ file: String) -> String { URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent }

    /// Header facts equal soundfile's.
    func testInfoMatchesSoundfile() throws {
        for e in try Self.entries() {
            let info = try AudioFileInfo(path: Fixtures.path("audio/" + e.file))
            XCTAssertEqual(info.sampleRate, e.sampleRate, e.file)
            XCTAssertEqual(info.channels, e.channels, e.file)
            if !info.frameCountIsEstimate { XCTAssertEqual(info.frames, e.frames, e.file) }
            XCTAssertFalse(info.format.isEmpty, e.file)
        }
    }

    /// Decoded samples equal soundfile's. Lossless formats go through the same libsndfile
    /// conversion, so they must be bit-identical; lossy decoders (Vorbis, Opus, MP3 from the
    /// system's libraries vs the wheel's bundled ones) may differ in float rounding: 1e-4.
    func testDecodingMatchesSoundfile() throws {
        for e in try Self.entries() {
            let file = try SoundFile(path: Fixtures.path("audio/" + e.file))
            var decoded: [Float] = []
            var block = [Float](repeating: 0, count: 4096 * e.channels)
            while true {
                let n = try block.withUnsafeMutableBufferPointer { try file.read(into: $0.baseAddress!, frames: 4096) }
                if n == 0 { break }
                decoded.append(contentsOf: block[0..<n * e.channels])
            }
            let ref = try Fixtures.array("audio/\(Self.stem(e.file)).decoded.npy", script: "audio.py")
            XCTAssertEqual(ref.shape, [e.frames, e.channels], e.file)
            XCTAssertEqual(decoded.count, ref.count, "\(e.file): decoded length")
            guard decoded.count == ref.count else { continue }
            let d = compare(decoded, ref.floats(), atol: e.lossy ? 1e-4 : 0, rtol: 0)
            XCTAssertEqual(d.violations, 0, "\(e.file): \(d)")
        }
    }

    /// AudioLoader.load(sr: 32 kHz) against librosa.load(sr=32000): the same length
    /// (librosa's ceil(frames * ratio)) and the same samples. The downmix is the same float32
    /// arithmetic and soxr the same library (0.1.3), but the wheel's soxr may take another SIMD
    /// path, so samples agree within 2e-6 absolute (about 2^-19 of full scale, below 16-bit
    /// quantisation); lossy formats add their decoders' 1e-4.
    func testLoadMatchesLibrosa() throws {
        for e in try Self.entries() {
            let clip = try AudioLoader.load(Fixtures.path("audio/" + e.file))
            let ref = try Fixtures.array("audio/\(Self.stem(e.file)).librosa32k.npy", script: "audio.py").floats()
            XCTAssertEqual(clip.sampleRate, 32_000)
            XCTAssertEqual(clip.samples.count, ref.count, "\(e.file): length")
            guard clip.samples.count == ref.count else { continue }
            let d = compare(clip.samples, ref, atol: e.lossy ? 1e-4 : 2e-6, rtol: 0)
            XCTAssertEqual(d.violations, 0, "\(e.file): \(d)")
        }
    }

    /// Streaming in chunks of any size gives exactly the whole-file samples.
    func testChunkedStreamEqualsWholeFile() throws {
        for e in try Self.entries() {
            let path = Fixtures.path("audio/" + e.file)
            let whole = try AudioLoader.load(path).samples
            for chunk in [1, 997, 4096, 100_000] {
                let stream = try AudioStream(path: path, chunkSize: chunk)
                var parts: [Float] = []
                var sizes = Set<Int>()
                while let c = try stream.nextChunk() { parts.append(contentsOf: c); sizes.insert(c.count) }
                XCTAssertEqual(parts, whole, "\(e.file) in chunks of \(chunk)")
                XCTAssertTrue(sizes.subtracting([chunk]).count <= 1, "\(e.file): only the last chunk may be short")
                // The lent chunks (no copy) are the same samples.
                let lending = try AudioStream(path: path, chunkSize: chunk)
                var lent: [Float] = []
                while try lending.withNextChunk({ lent.append(contentsOf: $0) }) != nil {}
                XCTAssertEqual(lent, whole, "\(e.file) lent in chunks of \(chunk)")
                XCTAssertEqual(lending.samplesEmitted, whole.count)
            }
            // And the decoder's blocks as they come, of the default size and others.
            for blockSamples in [65_536, 3_001, 1 << 18] {
                let blocks = try AudioStream(path: path, blockSamples: blockSamples)
                var pieces: [Float] = []
                while try blocks.withNextBlock({ pieces.append(contentsOf: $0) }) != nil {}
                XCTAssertEqual(pieces, whole, "\(e.file) in decoded blocks of \(blockSamples) samples")
                XCTAssertEqual(blocks.samplesEmitted, whole.count)
            }
        }
    }

    /// 16-bit PCM read as integers and scaled by Warbler equals libsndfile's own float
    /// conversion bit for bit, in every container and channel count of the fixtures.
    func testShortReadsEqualLibsndfileFloatConversion() throws {
        var checked = 0
        for e in try Self.entries() {
            let path = Fixtures.path("audio/" + e.file)
            let fast = try SoundFile(path: path, readShorts: true)
            XCTAssertFalse(try SoundFile(path: path, readShorts: false).readsShorts)
            guard fast.readsShorts else { continue }
            checked += 1
            // Odd block sizes, so blocks end mid-way through the file's own buffers; and blocks
            // larger than the pieces the integers are read in.
            for (blockFrames, fast) in [(997, fast), (40_001, try SoundFile(path: path, readShorts: true))] {
                let plain = try SoundFile(path: path, readShorts: false)
                var a = [Float](repeating: .nan, count: blockFrames * e.channels), b = a
                var total = 0
                while true {
                    let n = try a.withUnsafeMutableBufferPointer { try fast.read(into: $0.baseAddress!, frames: blockFrames) }
                    let m = try b.withUnsafeMutableBufferPointer { try plain.read(into: $0.baseAddress!, frames: blockFrames) }
                    XCTAssertEqual(n, m, e.file)
                    if n == 0 || n != m { break }
                    XCTAssertEqual(
                        a[0..<n * e.channels].map(\.bitPattern), b[0..<n * e.channels].map(\.bitPattern),
                        "\(e.file) at frame \(total), blocks of \(blockFrames)")
                    total += n
                }
                XCTAssertEqual(total, e.frames, "\(e.file), blocks of \(blockFrames)")
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 4, "the fixtures hold 16-bit WAV and FLAC files")
    }

    /// A stream opened with `lendsPCM16` lends a 16-bit mono file at the target rate as its
    /// integers; scaled by `pcm16Scale` they are the float samples bit for bit, and every other
    /// file (and `withNextBlock`, chunks) still gives floats.
    func testPCM16PiecesEqualTheFloatSamples() throws {
        var lentAsIntegers = 0
        for e in try Self.entries() {
            let path = Fixtures.path("audio/" + e.file)
            // At the native rate no resampler stands between the file and the stream.
            let config = AudioConfig(sampleRate: nil)
            let whole = try AudioLoader.load(path, config: config).samples
            let integers = try SoundFile(path: path).readsShorts && e.channels == 1
            for blockSamples in [3_001, 1 << 19] {
                let pieces = try AudioStream(path: path, config: config, blockSamples: blockSamples, lendsPCM16: true)
                var got: [Float] = []
                var kinds = Set<String>()
                while try pieces.withNextPiece({ (piece: AudioPiece) -> Void in
                    switch piece {
                    case .float(let f):
                        kinds.insert("float")
                        got.append(contentsOf: f)
                    case .pcm16(let i):
                        kinds.insert("pcm16")
                        got.append(contentsOf: i.map { Float($0) * SoundFile.pcm16Scale })
                    }
                }) != nil {}
                XCTAssertEqual(got.map(\.bitPattern), whole.map(\.bitPattern), "\(e.file), blocks of \(blockSamples)")
                XCTAssertEqual(kinds, [integers ? "pcm16" : "float"], e.file)
                XCTAssertEqual(pieces.samplesEmitted, whole.count, e.file)
                let blocks = try AudioStream(path: path, config: config, blockSamples: blockSamples, lendsPCM16: true)
                var converted: [Float] = []
                while try blocks.withNextBlock({ converted.append(contentsOf: $0) }) != nil {}
                XCTAssertEqual(converted.map(\.bitPattern), whole.map(\.bitPattern), "\(e.file): withNextBlock")
                let chunks = try AudioStream(path: path, config: config, chunkSize: 777, blockSamples: blockSamples, lendsPCM16: true)
                var chunked: [Float] = []
                while let c = try chunks.nextChunk() { chunked.append(contentsOf: c) }
                XCTAssertEqual(chunked.map(\.bitPattern), whole.map(\.bitPattern), "\(e.file): chunks")
            }
            if integers { lentAsIntegers += 1 }
        }
        XCTAssertGreaterThanOrEqual(lentAsIntegers, 1, "a 16-bit mono fixture is lent as integers")
    }

    /// `sampleRate: nil` keeps the native rate and only downmixes.
    func testNativeRateDownmixOnly() throws {
        let e = try XCTUnwrap(try Self.entries().first { $0.channels == 2 && !$0.lossy })
        let clip = try AudioLoader.load(Fixtures.path("audio/" + e.file), config: AudioConfig(sampleRate: nil))
        XCTAssertEqual(clip.sampleRate, e.sampleRate)
        let ref = try Fixtures.array("audio/\(Self.stem(e.file)).decoded.npy", script: "audio.py").floats()
        XCTAssertEqual(clip.samples.count, e.frames)
        for i in stride(from: 0, to: e.frames, by: 97) {
            XCTAssertEqual(clip.samples[i], (ref[2 * i] + ref[2 * i + 1]) / 2, "\(e.file) frame \(i)")
        }
    }
}
