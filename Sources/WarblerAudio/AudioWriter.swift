// Writing audio through libsndfile (WAV/FLAC/OGG by extension), atomically: the file is
// encoded to a temporary sibling and renamed into place when complete.
import CSndFile
import Foundation

public enum AudioWriter {
    /// Encoding for formats that have a choice.
    public enum Encoding: Sendable { case pcm16, pcm24, float32 }

    /// Writes mono or interleaved samples. The container comes from the extension:
    /// .wav, .flac, .ogg (Vorbis), .opus (Opus in Ogg), .mp3 (where libsndfile was built with LAME).
    public static func write(
        _ samples: [Float], channels: Int = 1, sampleRate: Int, to path: String,
        encoding: Encoding = .pcm16
    ) throws {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        var format: Int32
        switch ext {
        case "wav": format = Int32(SF_FORMAT_WAV)
        case "flac": format = Int32(SF_FORMAT_FLAC)
        case "ogg": format = Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS)
        case "opus": format = Int32(SF_FORMAT_OGG | SF_FORMAT_OPUS)
        case "mp3": format = Int32(SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III)
        default:
            throw AudioError(.unsupportedFormat, path: path, "cannot write .\(ext) files (use .wav, .flac, .ogg, .opus or .mp3).")
        }
        if ext == "wav" || ext == "flac" {
            switch encoding {
            case .pcm16: format |= Int32(SF_FORMAT_PCM_16)
            case .pcm24: format |= Int32(SF_FORMAT_PCM_24)
            case .float32: format |= ext == "wav" ? Int32(SF_FORMAT_FLOAT) : Int32(SF_FORMAT_PCM_24)
            }
        }
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let tmp = dir + "/." + URL(fileURLWithPath: path).lastPathComponent + ".tmp-" + String(UInt32.random(in: 0...UInt32.max), radix: 36) + "." + ext
        var info = SF_INFO(frames: 0, samplerate: Int32(sampleRate), channels: Int32(channels), format: format, sections: 0, seekable: 0)
        guard let h = sf_open(tmp, Int32(SFM_WRITE), &info) else {
            throw AudioError(.invalidOption, path: path, "cannot be written (\(String(cString: sf_strerror(nil))).")
        }
        // Clip rather than wrap when converting float to integer PCM.
        sf_command(h, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
        let frames = samples.count / channels
        let written = samples.withUnsafeBufferPointer { sf_writef_float(h, $0.baseAddress, sf_count_t(frames)) }
        let closed = sf_close(h)
        guard written == frames, closed == 0 else {
            unlink(tmp)
            throw AudioError(.corrupt, path: path, "writing failed after \(written) of \(frames) frames.")
        }
        if rename(tmp, path) != 0 {
            unlink(tmp)
            throw AudioError(.unreadable, path: path, "cannot move the finished file into place (\(String(cString: strerror(errno)))).")
        }
    }
}
