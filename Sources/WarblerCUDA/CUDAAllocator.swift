// A caching device allocator: freed blocks go onto a free list for their size bucket and are
// handed out again without cuMemFree/cuMemAlloc (both synchronise the device and cost tens of
// microseconds). Every backend operation runs on the device's one stream, so a block freed on
// the host while kernels that use it are still queued is safe to reuse: the next user's work
// is queued behind them. Sizes are rounded to 512 B below 1 MiB and to 2 MiB above, so a
// bucket serves requests within one rounding step. When the device is full, the cache is
// released and the allocation retried once.
import CCUDA
import Foundation

/// One block of device memory; returns to its allocator's cache when released.
final class DeviceBuffer: @unchecked Sendable {
    let pointer: CUdeviceptr
    let bytes: Int
    private let allocator: CUDAAllocator

    init(pointer: CUdeviceptr, bytes: Int, allocator: CUDAAllocator) {
        self.pointer = pointer
        self.bytes = bytes
        self.allocator = allocator
    }

    deinit { allocator.release(pointer, bytes: bytes) }

    /// The address of float `index`.
    func address(float index: Int) -> CUdeviceptr { pointer + CUdeviceptr(index * 4) }
}

final class CUDAAllocator: @unchecked Sendable {
    private let driver: DriverAPI
    let device: Int
    private let lock = NSLock()
    private var free: [Int: [CUdeviceptr]] = [:]
    /// Statistics: bytes handed out and not yet released, bytes held in the free lists,
    /// allocations served from the cache and from the driver.
    private(set) var inUse = 0, cached = 0, hits = 0, misses = 0

    init(driver: DriverAPI, device: Int) {
        self.driver = driver
        self.device = device
    }

    /// The bucket size a request of `bytes` is served from.
    static func bucket(_ bytes: Int) -> Int {
        let mb = 1 << 20
        return bytes < mb ? (max(bytes, 1) + 511) / 512 * 512 : (bytes + 2 * mb - 1) / (2 * mb) * (2 * mb)
    }

    func allocate(bytes: Int) throws -> DeviceBuffer {
        let size = Self.bucket(bytes)
        lock.lock()
        if var list = free[size], let p = list.popLast() {
            free[size] = list
            cached -= size
            inUse += size
            hits += 1
            lock.unlock()
            return DeviceBuffer(pointer: p, bytes: size, allocator: self)
        }
        lock.unlock()
        var p: CUdeviceptr = 0
        var r = driver.cuMemAlloc(&p, size)
        if r == 2 {  // CUDA_ERROR_OUT_OF_MEMORY: give the cache back and try again
            try emptyCache()
            r = driver.cuMemAlloc(&p, size)
        }
        try driver.check(r, "cuMemAlloc of \(size) bytes on cuda:\(device)")
        lock.lock()
        inUse += size
        misses += 1
        lock.unlock()
        return DeviceBuffer(pointer: p, bytes: size, allocator: self)
    }

    func release(_ p: CUdeviceptr, bytes: Int) {
        lock.lock()
        free[bytes, default: []].append(p)
        inUse -= bytes
        cached += bytes
        lock.unlock()
    }

    /// Frees every cached block back to the driver.
    func emptyCache() throws {
        lock.lock()
        let blocks = free
        free = [:]
        cached = 0
        lock.unlock()
        for (_, list) in blocks { for p in list { try driver.check(driver.cuMemFree(p), "cuMemFree") } }
    }
}
