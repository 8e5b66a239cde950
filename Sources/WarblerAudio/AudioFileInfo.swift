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

    /// Reads the header of `path`.
    public init(path: String) throws {
        let file = try SoundFile(path: path)
        self = file.info
    }

    init(path: String, sfInfo: SF_INFO, handle: OpaquePointer) {
        self.path = path
        sampleRate = Int(sfInfo.samplerate)
        channels = Int(sfInfo.channels)
        frames = Int(sfInfo.frames)
        let major = sfInfo.format & Int32(SF_FORMAT_TYPEMASK)
        let minor = sfInfo.format & Int32(SF_FORMAT_SUBMASK)
        format = Self.formatName(handle: handle, command: Int32(SFC_GET_FORMAT_MAJOR_COUNT), code: major, major: true)
        encoding = Self.formatName(handle: handle, command: Int32(SFC_GET_FORMAT_SUBTYPE_COUNT), code: minor, major: false)
        frameCountIsEstimate = major == Int32(SF_FORMAT_MPEG)
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
