// What a recording is before it is decoded: container, encoding, rate, channels, length.
import CSndFile
import Foundation

/// Facts about an audio file as libsndfile reports them.
public struct AudioFileInfo: Sendable, Codable, Equatable {
    public var path: String
    /// Container name, e.g. "WAV (Microsoft)", "FLAC (Free Lossless Audio Codec)", "MPEG-1/2 Audio".
    public var format: String
    /// Encoding name, e.g. "Signed 16 bit PCM", "Vorbis", "Opus", "MPEG Layer III".
    public var encoding: String
    /// Native sample rate, Hz.
    public var sampleRate: Int
    public var channels: Int
    /// Frames per channel as the header states it. For MP3 this is libsndfile's estimate;
    /// decoding reads until the stream ends, so the decoded count may differ slightly.
    public var frames: Int
    /// Duration in seconds, frames / sampleRate.
    public var duration: Double { sampleRate > 0 ? Double(frames) / Double(sampleRate) : 0 }
    /// True when `frames` is an estimate (MP3).
    public var frameCountIsEstimate: Bool
    /// From `verified(path:)`: the length the header stated, when it differs from the frames
    /// decoded (an MP3 estimate, or a truncated MP3 whose Xing header still gives the full length).
    public var headerFrames: Int?

    /// Reads the header of `path`.
    public init(path: String) throws {
        let file = try SoundFile(path: path)
        self = file.info
    }

    /// Reads the header of `path`, then decodes the whole file and counts its frames, so the
    /// length is what is really there, not what a damaged header claims or an MP3 estimate
    /// guesses. Throws the decoder's error (one sentence naming the file) when decoding stops
    /// early, e.g. "the file is truncated or corrupt: the header promises ... frames".
    public static func verified(path: String) throws -> AudioFileInfo {
        let file = try SoundFile(path: path)
        defer { file.close() }
        var info = file.info
        let block = max(256, 65_536 / info.channels)
        var buffer = [Float](repeating: 0, count: block * info.channels)
        var total = 0
        while true {
            let n = try buffer.withUnsafeMutableBufferPointer { try file.read(into: $0.baseAddress!, frames: block) }
            if n == 0 { break }
            total += n
        }
        if total == 0 { throw AudioError(.empty, path: path, "the file holds no audio frames that can be decoded.") }
        if total != info.frames && info.frames > 0 { info.headerFrames = info.frames }
        info.frames = total
        info.frameCountIsEstimate = false
        return info
    }

    init(path: String, sfInfo: SF_INFO, handle: OpaquePointer) {
        self.path = path
        sampleRate = Int(sfInfo.samplerate)
        channels = Int(sfInfo.channels)
        // libsndfile's count is only an estimate for MP3 (and says SF_COUNT_MAX where it has
        // none): never negative or absurd here, and never trusted for sizes by the decoders.
        frames = sfInfo.frames >= 0 && sfInfo.frames < Int64.max ? Int(sfInfo.frames) : 0
        let major = sfInfo.format & Int32(SF_FORMAT_TYPEMASK)
        let minor = sfInfo.format & Int32(SF_FORMAT_SUBMASK)
        format = Self.formatName(handle: handle, command: Int32(SFC_GET_FORMAT_MAJOR_COUNT), code: major, major: true)
        encoding = Self.formatName(handle: handle, command: Int32(SFC_GET_FORMAT_SUBTYPE_COUNT), code: minor, major: false)
        frameCountIsEstimate = major == Int32(SF_FORMAT_MPEG) || sfInfo.frames < 0 || sfInfo.frames == Int64.max
    }

    private static func formatName(handle: OpaquePointer, command: Int32, code: Int32, major: Bool) -> String {
        var count: Int32 = 0
        sf_command(nil, command, &count, Int32(MemoryLayout<Int32>.size))
        for i in 0..<count {
            var fi = SF_FORMAT_INFO()
            fi.format = i
            sf_command(nil, Int32(major ? SFC_GET_FORMAT_MAJOR : SFC_GET_FORMAT_SUBTYPE), &fi, Int32(MemoryLayout<SF_FORMAT_INFO>.size))
            if fi.format == code, let name = fi.name { return String(cString: name) }
        }
        return String(format: "0x%06x", code)
    }
}
