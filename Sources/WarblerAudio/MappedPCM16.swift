// A 16-bit PCM mono WAV read where the kernel caches it: the samples are lent straight from the
// file's pages (read-only windows of up to 8 MB), so no thread copies them into a buffer,
// no fresh buffer is faulted in, and the cores that compute read the pages themselves instead
// of taking a decoder thread's freshly written cache lines. Used by `AudioStream` for
// `lendsPCM16` streams of such a file at the target rate; anything else is decoded by
// libsndfile as before. Measured in docs/benchmarks.md ("Reading a WAV in place").
import CMappedFile
import Foundation

final class MappedPCM16 {
    let path: String
    /// Samples in the file (libsndfile's count, which the header's data chunk must agree with).
    let frames: Int
    /// Samples lent so far.
    private(set) var position = 0
    private let fd: Int32
    private let dataOffset: UInt64
    private let slot: Int32
    /// Samples mapped at a time (`init`).
    let windowSamples: Int
    /// The mapped window, samples [windowStart, windowEnd) of the data chunk.
    private var window: UnsafePointer<Int16>?
    private var windowStart = 0
    private var windowEnd = 0

    /// The file behind `file` read in place, or nil when it is not a plain RIFF WAVE of
    /// 16-bit PCM mono whose data chunk libsndfile agrees with, or cannot be mapped (a caller
    /// then decodes it with libsndfile). `windowSamples` are mapped at a time, by default 8 MB
    /// (2 min 11 s at 32 kHz), each unmapped before the next is mapped: the file's pages that
    /// count in the process's resident memory stay bounded, so a 2-hour file peaks near a
    /// 20-minute one (docs/benchmarks.md); a 5-minute file in three windows ran as fast as in one.
    init?(file: SoundFile, windowSamples: Int = 1 << 22) {
        let info = file.info
        guard file.readsShorts, file.isRIFFWAVE, info.channels == 1, !info.frameCountIsEstimate, info.frames > 0 else { return nil }
        let fd = open(info.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 0,
            let data = Self.pcm16MonoData(fd: fd, fileSize: UInt64(st.st_size), sampleRate: info.sampleRate),
            data.bytes / 2 == UInt64(info.frames), data.offset % 2 == 0
        else {
            close(fd)
            return nil
        }
        let slot = warbler_guard_acquire()
        guard slot >= 0 else {
            close(fd)
            return nil
        }
        self.path = info.path
        self.frames = info.frames
        self.fd = fd
        self.dataOffset = data.offset
        self.slot = slot
        self.windowSamples = max(1, windowSamples)
        // A file system that cannot map files (some network and FUSE ones) is read by
        // libsndfile instead: the first window is mapped here, while the caller can still choose.
        guard (try? mapWindow(from: 0, count: min(frames, self.windowSamples))) != nil else { return nil }
    }

    deinit {
        warbler_guard_release(slot)
        close(fd)
    }

    /// Lends the next (at most `maxFrames`) samples to `body`, valid only inside it, and
    /// returns what `body` returns, or nil after the last sample. Throws `.truncated` when
    /// the file is shorter than when it was opened (it changed while being read; a page past
    /// its new end reads as zeros inside `body`, and the error follows).
    func withNext<R>(maxFrames: Int, _ body: (UnsafeBufferPointer<Int16>) throws -> R) throws -> R? {
        let n = min(maxFrames, frames - position)
        guard n > 0 else { return nil }
        // A file cut short since it was opened is reported before its pages are read.
        var st = stat()
        if fstat(fd, &st) != 0 || UInt64(max(0, st.st_size)) < dataOffset + 2 * UInt64(position + n) { throw changed() }
        if window == nil || position + n > windowEnd {
            try mapWindow(from: position, count: min(frames - position, max(n, windowSamples)))
        }
        let result = Result { try body(UnsafeBufferPointer(start: window! + (position - windowStart), count: n)) }
        if warbler_guard_damaged(slot) != 0 { throw changed() }
        position += n
        return try result.get()
    }

    /// Maps samples [start, start + count) as the window, unmapping the previous one.
    private func mapWindow(from start: Int, count: Int) throws {
        if window != nil {
            window = nil
            if warbler_guard_unmap(slot) != 0 { throw changed() }
        }
        guard let mapped = warbler_guard_map(slot, fd, dataOffset + 2 * UInt64(start), 2 * count) else {
            throw AudioError(.unreadable, path: path, "cannot be read (mapping it into memory failed: \(String(cString: strerror(errno)))).")
        }
        window = UnsafePointer(mapped.assumingMemoryBound(to: Int16.self))
        windowStart = start
        windowEnd = start + count
    }

    private func changed() -> AudioError {
        AudioError(
            .truncated, path: path,
            "the file changed while it was being read (it became shorter than the \(frames) samples its header gave when it was opened, or its storage failed to deliver part of it)."
        )
    }

    /// The data chunk of a RIFF WAVE file of 16-bit PCM mono at `sampleRate` (plain PCM or
    /// WAVE_FORMAT_EXTENSIBLE with the PCM subformat), found by walking the chunks' headers;
    /// nil for anything else, or a data chunk that does not fit in the file.
    static func pcm16MonoData(fd: Int32, fileSize: UInt64, sampleRate: Int) -> (offset: UInt64, bytes: UInt64)? {
        func bytes(at offset: UInt64, count: Int) -> [UInt8]? {
            guard offset + UInt64(count) <= fileSize else { return nil }
            var b = [UInt8](repeating: 0, count: count)
            let got = b.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
            return got == count ? b : nil
        }
        func u16(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(b[i]) | UInt32(b[i + 1]) << 8 }
        func u32(_ b: [UInt8], _ i: Int) -> UInt32 { u16(b, i) | u16(b, i + 2) << 16 }
        guard let riff = bytes(at: 0, count: 12), riff[0..<4].elementsEqual("RIFF".utf8), riff[8..<12].elementsEqual("WAVE".utf8) else {
            return nil
        }
        // KSDATAFORMAT_SUBTYPE_PCM, 00000001-0000-0010-8000-00AA00389B71, as stored.
        let pcmSubformat: [UInt8] = [1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71]
        var formatIsPCM16Mono = false
        var position: UInt64 = 12
        // A bound on the walk: real files have a handful of chunks before their data.
        for _ in 0..<4096 {
            guard let header = bytes(at: position, count: 8) else { return nil }
            let size = UInt64(u32(header, 4))
            let body = position + 8
            if header[0..<4].elementsEqual("fmt ".utf8) {
                guard size >= 16, let fmt = bytes(at: body, count: Int(min(size, 40))) else { return nil }
                let tag = u16(fmt, 0)
                let extensiblePCM = tag == 0xFFFE && fmt.count >= 40 && Array(fmt[24..<40]) == pcmSubformat
                formatIsPCM16Mono =
                    (tag == 1 || extensiblePCM) && u16(fmt, 2) == 1 && Int(u32(fmt, 4)) == sampleRate && u16(fmt, 12) == 2 && u16(fmt, 14) == 16
            } else if header[0..<4].elementsEqual("data".utf8) {
                guard formatIsPCM16Mono, body + size <= fileSize else { return nil }
                return (body, size)
            }
            position = body + size + (size & 1)
        }
        return nil
    }
}
