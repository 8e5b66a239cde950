// Host <-> device copies through page-locked (pinned) staging buffers: pageable memory cannot be
// read by the copy engine directly, so the driver would stage it anyway, in small pieces. Two
// 32 MiB pinned buffers alternate: while the copy engine moves one, the CPU fills (or drains)
// the other, with several threads (one core's memcpy moves ~5-10 GB/s, the link ~25-50 GB/s);
// an event per buffer says when it may be touched again.
import CCUDA
import Foundation

final class PinnedStaging: @unchecked Sendable {
    static let chunk = 32 << 20
    /// Threads for one chunk's memcpy (each gets >= 2 MiB).
    static let copyThreads = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))

    /// memcpy split over threads for large blocks.
    static func parallelCopy(_ dst: UnsafeMutableRawPointer, _ src: UnsafeRawPointer, _ bytes: Int) {
        let workers = min(copyThreads, bytes / (2 << 20))
        guard workers > 1 else { dst.copyMemory(from: src, byteCount: bytes); return }
        let per = (bytes / workers + 63) / 64 * 64
        nonisolated(unsafe) let d = dst, s = src
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = w * per, n = min(bytes, lo + per) - lo
            if n > 0 { (d + lo).copyMemory(from: s + lo, byteCount: n) }
        }
    }
    private let driver: DriverAPI
    private let stream: CUstream
    private let lock = NSLock()
    private var buffers: [UnsafeMutableRawPointer] = []
    private var events: [CUevent] = []

    init(driver: DriverAPI, stream: CUstream) {
        self.driver = driver
        self.stream = stream
    }

    /// Allocates the two buffers and their events on first use.
    private func prepare() throws {
        guard buffers.isEmpty else { return }
        for _ in 0..<2 {
            var p: UnsafeMutableRawPointer?
            try driver.check(driver.cuMemAllocHost(&p, Self.chunk), "cuMemAllocHost of \(Self.chunk) bytes")
            var e: CUevent?
            try driver.check(driver.cuEventCreate(&e, UInt32(CCUDA_EVENT_DEFAULT)), "cuEventCreate")
            buffers.append(p!)
            events.append(e!)
        }
    }

    /// Copies host bytes to `dst`; returns once the last chunk is queued (its source is pinned).
    func upload(_ host: UnsafeRawBufferPointer, to dst: CUdeviceptr) throws {
        guard host.count > 0, let base = host.baseAddress else { return }
        lock.lock()
        defer { lock.unlock() }
        try prepare()
        var offset = 0, i = 0
        while offset < host.count {
            let n = min(Self.chunk, host.count - offset)
            let b = i % 2
            // The buffer's previous copy must be done before it is overwritten.
            try driver.check(driver.cuEventSynchronize(events[b]), "cuEventSynchronize")
            Self.parallelCopy(buffers[b], base + offset, n)
            try driver.check(driver.cuMemcpyHtoDAsync(dst + CUdeviceptr(offset), buffers[b], n, stream), "cuMemcpyHtoDAsync")
            try driver.check(driver.cuEventRecord(events[b], stream), "cuEventRecord")
            offset += n
            i += 1
        }
    }

    /// Copies device bytes at `src` to host memory; waits for the stream (the result is needed now).
    func download(_ src: CUdeviceptr, to host: UnsafeMutableRawBufferPointer) throws {
        guard host.count > 0, let base = host.baseAddress else { return }
        lock.lock()
        defer { lock.unlock() }
        try prepare()
        var offsets: [Int] = []
        var offset = 0
        while offset < host.count { offsets.append(offset); offset += Self.chunk }
        // Queue chunk i + 1 before draining chunk i, so copy and memcpy overlap.
        func queue(_ i: Int) throws {
            let o = offsets[i], n = min(Self.chunk, host.count - o)
            try driver.check(driver.cuMemcpyDtoHAsync(buffers[i % 2], src + CUdeviceptr(o), n, stream), "cuMemcpyDtoHAsync")
            try driver.check(driver.cuEventRecord(events[i % 2], stream), "cuEventRecord")
        }
        try queue(0)
        for i in offsets.indices {
            if i + 1 < offsets.count { try queue(i + 1) }
            try driver.check(driver.cuEventSynchronize(events[i % 2]), "cuEventSynchronize")
            let o = offsets[i], n = min(Self.chunk, host.count - o)
            Self.parallelCopy(base + o, buffers[i % 2], n)
        }
    }
}
