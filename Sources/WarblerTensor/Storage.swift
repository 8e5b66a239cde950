// Device memory for tensor elements. CPU storage is 64-byte aligned host memory (so SIMD and
// BLAS get aligned rows); other backends hand out their own device pointers in the same type.
import Foundation

public final class Storage: @unchecked Sendable {
    public let device: Device
    /// Elements (float32) this storage holds.
    public let count: Int
    /// Host pointer on the CPU; device pointer elsewhere.
    public let raw: UnsafeMutableRawPointer
    private let release: (UnsafeMutableRawPointer) -> Void

    public init(device: Device, count: Int, raw: UnsafeMutableRawPointer, release: @escaping (UnsafeMutableRawPointer) -> Void) {
        self.device = device
        self.count = count
        self.raw = raw
        self.release = release
    }

    deinit { release(raw) }

    /// Float view of CPU storage.
    var floats: UnsafeMutablePointer<Float> { raw.assumingMemoryBound(to: Float.self) }
}
