// One decoded recording in the audio cache, memory-mapped read-only. The file is a 64-byte
// header followed by float16 little-endian mono samples at the cache's rate:
//   0  "WBLRAUD1"   8  UInt32 header bytes (64)   12 UInt32 encoding (1 = float16)
//  16  UInt32 sample rate (Hz)   24  UInt64 sample count   32  UInt64 FNV-1a hash of the cache key
// Reads are safe from any thread: the mapping is immutable and lives as long as this object and
// every slice of it (`slice(_:)`: a part of the recording, e.g. its held-out tail, sharing the
// mapping).
import Foundation
import WarblerIO
#if canImport(Glibc)
    import Glibc
#endif

public final class CachedAudio: @unchecked Sendable {
    static let magic: [UInt8] = Array("WBLRAUD1".utf8)
    static let headerBytes = 64
    static let float16Encoding: UInt32 = 1

    /// The source recording this audio was decoded from.
    public let sourcePath: String
    /// Sample rate, Hz.
    public let sampleRate: Int
    /// Number of samples.
    public let count: Int
    /// The hash of the cache key stored in the header.
    let keyHash: UInt64
    /// Where this audio's samples start in the whole recording (0 unless a slice).
    public let startInRecording: Int
    private let mapping: Mapping
    private let samples: UnsafePointer<Float16>

    /// Unmaps the file when the last object using it goes.
    private final class Mapping: @unchecked Sendable {
        let base: UnsafeMutableRawPointer
        let bytes: Int
        init(base: UnsafeMutableRawPointer, bytes: Int) {
            self.base = base
            self.bytes = bytes
        }
        deinit { munmap(base, bytes) }
    }

    /// Duration, seconds.
    public var duration: Double { Double(count) / Double(sampleRate) }

    /// Maps the cache file at `path`; throws when it is not a complete cache file.
    init(cacheFile path: String, sourcePath: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FileError(path: path, reason: "cannot open the cache file (\(String(cString: strerror(errno)))).") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, Int(st.st_size) >= Self.headerBytes else {
            throw FileError(path: path, reason: "the cache file is shorter than its header.")
        }
        let size = Int(st.st_size)
        guard let m = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), m != MAP_FAILED else {
            throw FileError(path: path, reason: "cannot memory-map the cache file (\(String(cString: strerror(errno)))).")
        }
        let h = UnsafeRawPointer(m)
        let header = UnsafeRawBufferPointer(start: h, count: Self.headerBytes)
        let rate = Int(header.loadUnaligned(fromByteOffset: 16, as: UInt32.self).littleEndian)
        let n = Int(header.loadUnaligned(fromByteOffset: 24, as: UInt64.self).littleEndian)
        guard Array(header[0..<8]) == Self.magic,
            header.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian == UInt32(Self.headerBytes),
            header.loadUnaligned(fromByteOffset: 12, as: UInt32.self).littleEndian == Self.float16Encoding,
            rate > 0, size == Self.headerBytes + 2 * n
        else {
            munmap(m, size)
            throw FileError(path: path, reason: "is not a complete Warbler audio-cache file.")
        }
        mapping = Mapping(base: m, bytes: size)
        startInRecording = 0
        sampleRate = rate
        count = n
        keyHash = header.loadUnaligned(fromByteOffset: 32, as: UInt64.self).littleEndian
        samples = h.advanced(by: Self.headerBytes).assumingMemoryBound(to: Float16.self)
        self.sourcePath = sourcePath
    }

    private init(slicing parent: CachedAudio, range: Range<Int>) {
        sourcePath = parent.sourcePath
        sampleRate = parent.sampleRate
        count = range.count
        keyHash = parent.keyHash
        startInRecording = parent.startInRecording + range.lowerBound
        mapping = parent.mapping
        samples = parent.samples + range.lowerBound
    }

    /// Samples `range` of this audio as audio of its own (no copy).
    public func slice(_ range: Range<Int>) -> CachedAudio {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "CachedAudio: slice \(range) out of 0..<\(count)")
        return CachedAudio(slicing: self, range: range)
    }

    /// Sample `i` as Float.
    public subscript(i: Int) -> Float {
        precondition(i >= 0 && i < count, "CachedAudio: index \(i) out of 0..<\(count)")
        return Float(samples[i])
    }

    /// Copies samples `start ..< start + n` (which must lie inside the recording) into `dst`.
    public func copy(from start: Int, count n: Int, into dst: UnsafeMutablePointer<Float>) {
        precondition(start >= 0 && n >= 0 && start + n <= count, "CachedAudio: range \(start)..<\(start + n) out of 0..<\(count)")
        let src = samples + start
        for i in 0..<n { dst[i] = Float(src[i]) }
    }

    /// The index of the first NaN or infinite sample, if any (caches written before decoding
    /// refused such audio may hold them).
    public func firstNonFinite() -> Int? {
        let bits = UnsafeRawPointer(samples).assumingMemoryBound(to: UInt16.self)
        for i in 0..<count where bits[i] & 0x7C00 == 0x7C00 { return i }
        return nil
    }

    /// The whole recording as Float.
    public func allSamples() -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buf, n in
            copy(from: 0, count: count, into: buf.baseAddress!)
            n = count
        }
    }

    /// Writes `samples` as a cache file at `path`, atomically (temporary file, then rename).
    static func write(_ samples: [Float], sampleRate: Int, keyHash: UInt64, to path: String) throws {
        var header = [UInt8](repeating: 0, count: headerBytes)
        header.replaceSubrange(0..<8, with: magic)
        header.withUnsafeMutableBytes { h in
            h.storeBytes(of: UInt32(headerBytes).littleEndian, toByteOffset: 8, as: UInt32.self)
            h.storeBytes(of: float16Encoding.littleEndian, toByteOffset: 12, as: UInt32.self)
            h.storeBytes(of: UInt32(sampleRate).littleEndian, toByteOffset: 16, as: UInt32.self)
            h.storeBytes(of: UInt64(samples.count).littleEndian, toByteOffset: 24, as: UInt64.self)
            h.storeBytes(of: keyHash.littleEndian, toByteOffset: 32, as: UInt64.self)
        }
        // float16 tops out at 65504: a louder (finite) float sample would become infinite in
        // the cache and NaN in training, so it is clipped there instead.
        let half = samples.map { Float16(Swift.min(Swift.max($0, -65_504), 65_504)) }
        let file = try AtomicFile(destination: path)
        try file.write(contentsOf: header)
        try file.write(contentsOf: half)
        try file.commit()
    }
}
