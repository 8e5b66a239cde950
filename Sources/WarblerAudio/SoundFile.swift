// A decoder over libsndfile: opens any format it knows (WAV, FLAC, OGG Vorbis/Opus, MP3, ...)
// and reads interleaved float32 frames scaled to [-1, 1) as soundfile/librosa do.
import CSndFile
import Foundation

/// An open audio file. Not thread-safe: one thread reads it at a time (it may be handed over).
public final class SoundFile: @unchecked Sendable {
    public let info: AudioFileInfo
    private var handle: OpaquePointer?
    private var sfInfo = SF_INFO()
    /// Interleaved frames decoded so far.
    public private(set) var framesRead = 0
    /// 16-bit PCM is read as integers and scaled here: libsndfile then reads straight into the
    /// caller's buffer (one system call per block instead of one per 8 KB) and the conversion
    /// vectorises. The values equal libsndfile's float conversion bit for bit (x * 2^-15).
    public let readsShorts: Bool
    /// A RIFF WAVE file (WAV or WAVE_FORMAT_EXTENSIBLE), as libsndfile identified it.
    let isRIFFWAVE: Bool
    private var shorts: [Int16] = []

    /// The sample rates Warbler accepts, Hz. A header outside them is damaged or hostile (a 1 Hz
    /// header would make resampling to 32 kHz ask for gigabytes).
    public static let sampleRateRange = 1_000...768_000

    /// Opens `path`, turning every libsndfile failure into one sentence about the file: a
    /// missing file, a symlink loop, a non-regular file, a rate outside `sampleRateRange`, an
    /// Ogg stream whose end is missing.
    public convenience init(path: String) throws {
        try self.init(path: path, readShorts: true)
    }

    /// `readShorts: false` leaves even 16-bit PCM to libsndfile's float conversion (tests).
    init(path: String, readShorts: Bool) throws {
        var st = stat()
        if stat(path, &st) != 0 {
            let e = errno
            if e == ELOOP { throw AudioError(.unreadable, path: path, "symlink loop (too many levels of symbolic links).") }
            if e == ENOENT || e == ENOTDIR {
                if lstat(path, &st) == 0 { throw AudioError(.missing, path: path, "a broken symbolic link (its target does not exist).") }
                throw AudioError(.missing, path: path, "no such file.")
            }
            if e == EACCES { throw AudioError(.unreadable, path: path, "permission denied.") }
            throw AudioError(.unreadable, path: path, "cannot be inspected (\(String(cString: strerror(e)))).")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw AudioError(.unreadable, path: path, "is a directory, not an audio file.") }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw AudioError(.unreadable, path: path, "is not a regular file (a pipe, socket or device cannot be decoded).")
        }
        if st.st_size == 0 { throw AudioError(.empty, path: path, "the file is empty (0 bytes).") }
        guard access(path, R_OK) == 0 else {
            throw AudioError(.unreadable, path: path, "permission denied.")
        }
        guard let h = sf_open(path, Int32(SFM_READ), &sfInfo) else {
            let why = String(cString: sf_strerror(nil))
            if why.contains("unknown format") || why.contains("not recognised") || why.contains("Format not recognised") {
                throw AudioError(
                    .unsupportedFormat, path: path,
                    "not a recognised audio format (Warbler reads WAV, FLAC, OGG Vorbis, Opus, MP3 and the other formats of libsndfile).")
            }
            // libsndfile's MPEG reader answers a damaged or non-MP3 stream with "File does not
            // exist or is not a regular file (possibly a pipe?)"; the file was checked above, so
            // that text is wrong here.
            if why.contains("does not exist") || why.contains("possibly a pipe") {
                let ext = URL(fileURLWithPath: path).pathExtension.uppercased()
                throw AudioError(
                    .corrupt, path: path,
                    "not a readable \(ext.isEmpty ? "" : ext + "/")audio file (the decoder could not find valid audio in it).")
            }
            throw AudioError(.corrupt, path: path, "cannot be decoded (\(Self.clean(why))).")
        }
        handle = h
        info = AudioFileInfo(path: path, sfInfo: sfInfo, handle: h)
        readsShorts = readShorts && (sfInfo.format & Int32(SF_FORMAT_SUBMASK)) == Int32(SF_FORMAT_PCM_16)
        let container = sfInfo.format & Int32(SF_FORMAT_TYPEMASK)
        isRIFFWAVE = container == Int32(SF_FORMAT_WAV) || container == Int32(SF_FORMAT_WAVEX)
        guard sfInfo.channels > 0, sfInfo.samplerate > 0 else {
            sf_close(h); handle = nil
            throw AudioError(.corrupt, path: path, "the header gives \(sfInfo.channels) channels at \(sfInfo.samplerate) Hz.")
        }
        guard Self.sampleRateRange.contains(Int(sfInfo.samplerate)) else {
            sf_close(h); handle = nil
            throw AudioError(
                .corrupt, path: path,
                "the header gives a sample rate of \(sfInfo.samplerate) Hz; Warbler reads \(Self.sampleRateRange.lowerBound) to \(Self.sampleRateRange.upperBound) Hz."
            )
        }
        // A damaged or partly downloaded Ogg file has no last page to take its length from:
        // libsndfile then says "SF_COUNT_MAX frames" and decodes what is there without an error.
        if sfInfo.frames < 0 || (sfInfo.frames == Int64.max && (sfInfo.format & Int32(SF_FORMAT_TYPEMASK)) == Int32(SF_FORMAT_OGG)) {
            sf_close(h); handle = nil
            throw AudioError(.truncated, path: path, "the file is truncated or damaged: the end of its Ogg stream is missing, so its length is unknown.")
        }
        if !info.frameCountIsEstimate && sfInfo.frames == 0 {
            sf_close(h); handle = nil
            throw AudioError(.empty, path: path, "the file holds no audio frames.")
        }
        if let cut = Self.truncationNote(handle: h) {
            sf_close(h); handle = nil
            throw AudioError(.truncated, path: path, "the file is truncated (\(cut)).")
        }
    }

    deinit { if let h = handle { sf_close(h) } }

    /// Reads up to `frames` interleaved frames into `buffer` (capacity frames*channels).
    /// Returns the number of frames read; 0 means the end of the stream.
    /// Throws when the decoder reports an error, or when a file whose header states its
    /// length ends early (a truncated FLAC or WAV).
    public func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws -> Int {
        guard let h = handle else { return 0 }
        let n: Int
        if readsShorts {
            // In pieces of 16,384 frames or fewer: the integers stay in the cache between the
            // kernel's copy and the conversion, however large the caller's buffer.
            let piece = max(1, min(frames, 16_384 / max(1, info.channels)))
            if shorts.count < piece * info.channels { shorts = [Int16](repeating: 0, count: piece * info.channels) }
            var done = 0
            shorts.withUnsafeMutableBufferPointer { src in
                while done < frames {
                    let got = Int(sf_readf_short(h, src.baseAddress!, sf_count_t(min(piece, frames - done))))
                    guard got > 0 else { break }
                    Self.convertPCM16(src.baseAddress!, count: got * info.channels, into: buffer + done * info.channels)
                    done += got
                    if sf_error(h) != 0 { break }
                }
            }
            n = done
        } else {
            n = Int(sf_readf_float(h, buffer, sf_count_t(frames)))
        }
        try account(n)
        return n
    }

    /// The scale from 16-bit PCM to float samples, 2^-15 (libsndfile's and soundfile's).
    public static let pcm16Scale: Float = 1.0 / 32768

    /// One 16-bit PCM sample as a float: value x `pcm16Scale`, libsndfile's conversion bit for
    /// bit. Every conversion of the integers in this module goes through here or
    /// `convertPCM16`; WarblerFeatures, which does not depend on this module, takes the scale as
    /// a parameter and applies it with the analysis window.
    @inline(__always)
    public static func float(fromPCM16 value: Int16) -> Float { Float(value) * pcm16Scale }

    /// `count` 16-bit PCM samples from `source` as floats into `destination`.
    @inline(__always)
    static func convertPCM16(_ source: UnsafePointer<Int16>, count: Int, into destination: UnsafeMutablePointer<Float>) {
        for i in 0..<count { destination[i] = float(fromPCM16: source[i]) }
    }

    /// Reads up to `frames` interleaved frames of a 16-bit PCM file (`readsShorts`) as the
    /// integers themselves, for a consumer that scales them by `pcm16Scale` as it reads them;
    /// otherwise as `read(into:frames:)`.
    public func readPCM16(into buffer: UnsafeMutablePointer<Int16>, frames: Int) throws -> Int {
        precondition(readsShorts, "SoundFile.readPCM16 on a file that is not read as 16-bit integers")
        guard let h = handle else { return 0 }
        let n = max(0, Int(sf_readf_short(h, buffer, sf_count_t(frames))))
        try account(n)
        return n
    }

    /// Counts `n` frames read and turns the decoder's error, or an early end of a file whose
    /// header states its length, into an error.
    private func account(_ n: Int) throws {
        guard let h = handle else { return }
        framesRead += n
        let err = sf_error(h)
        if err != 0 {
            let why = Self.clean(String(cString: sf_strerror(h)))
            if !info.frameCountIsEstimate && framesRead < info.frames {
                throw AudioError(
                    .truncated, path: info.path,
                    "the file is truncated or corrupt: decoding stopped after \(framesRead) of the \(info.frames) frames its header promises (\(why)).")
            }
            throw AudioError(.corrupt, path: info.path, "decoding failed after \(framesRead) frames (\(why)).")
        }
        if n == 0 && !info.frameCountIsEstimate && framesRead < info.frames {
            throw AudioError(
                .truncated, path: info.path,
                "the file is truncated or corrupt: the header promises \(info.frames) frames but only \(framesRead) could be decoded.")
        }
    }

    public func close() {
        if let h = handle { sf_close(h); handle = nil }
    }

    /// libsndfile shortens the data length of a truncated WAV/AIFF to what the file holds and
    /// says so only in its log ("data : 44100 (should be 22028)"); read that log so truncation
    /// is reported instead of silently decoding half a recording. Placeholder sizes that
    /// streaming recorders leave (0, 0xFFFFFFFF) are not truncation.
    private static func truncationNote(handle: OpaquePointer) -> String? {
        var log = [CChar](repeating: 0, count: 8192)
        sf_command(handle, Int32(SFC_GET_LOG_INFO), &log, Int32(log.count))
        let text = String(decoding: log.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, ["data", "SSND"].contains(parts[0]),
                let open = parts[1].range(of: "(should be "), parts[1].hasSuffix(")")
            else { continue }
            let stated = UInt64(parts[1][..<open.lowerBound].trimmingCharacters(in: .whitespaces)) ?? 0
            let actual = UInt64(parts[1][open.upperBound...].dropLast()) ?? 0
            if stated > actual && stated != 0xFFFF_FFFF && stated != 0x7FFF_FFFF {
                return "the header promises \(stated) bytes of audio data but only \(actual) are there"
            }
        }
        return nil
    }

    private static func clean(_ s: String) -> String {
        s.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
}
