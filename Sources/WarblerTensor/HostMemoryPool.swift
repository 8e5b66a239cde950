// The CPU backend's caching allocator. A training step allocates the same buffer sizes every
// step (activations, gradients, workspaces); keeping freed buffers by exact size and handing
// them out again means a steady-state step makes no system allocation, and skips the page
// faults and kernel zeroing a fresh multi-megabyte buffer costs (an 8 MB weight gradient paid
// about a millisecond for them). Freed buffers are kept up to `capacity` bytes in all; past it
// they go back to the system. Any thread may allocate or free.
import Foundation

public final class HostMemoryPool: @unchecked Sendable {
    /// Buffers are 64-byte aligned (SIMD rows, BLAS) and sized in whole 64-byte lines.
    static let alignment = 64

    /// Bytes of freed buffers kept for reuse at most.
    public let capacity: Int
    private let lock = NSLock()
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var cachedBytes = 0
    private var systemAllocations = 0

    public init(capacity: Int) {
        self.capacity = capacity
    }

    /// Allocations that went to the system so far (not served from the pool); for tests.
    public var systemAllocationCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return systemAllocations
    }

    /// Bytes held in the pool for reuse.
    public var cachedByteCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return cachedBytes
    }

    static func roundedSize(_ bytes: Int) -> Int {
        (Swift.max(bytes, alignment) + alignment - 1) / alignment * alignment
    }

    /// Uninitialised, 64-byte aligned memory of at least `bytes` bytes.
    func allocate(bytes: Int) -> (pointer: UnsafeMutableRawPointer, size: Int) {
        let size = HostMemoryPool.roundedSize(bytes)
        lock.lock()
        if let pointer = free[size]?.popLast() {
            cachedBytes -= size
            lock.unlock()
            return (pointer, size)
        }
        systemAllocations += 1
        lock.unlock()
        return (UnsafeMutableRawPointer.allocate(byteCount: size, alignment: HostMemoryPool.alignment), size)
    }

    /// Takes back a buffer from `allocate(bytes:)` of the `size` it returned.
    func release(_ pointer: UnsafeMutableRawPointer, size: Int) {
        lock.lock()
        if cachedBytes + size <= capacity {
            free[size, default: []].append(pointer)
            cachedBytes += size
            lock.unlock()
            return
        }
        lock.unlock()
        pointer.deallocate()
    }

    /// Returns every cached buffer to the system.
    public func trim() {
        lock.lock()
        let buffers = free.values.flatMap { $0 }
        free = [:]
        cachedBytes = 0
        lock.unlock()
        for pointer in buffers { pointer.deallocate() }
    }
}
