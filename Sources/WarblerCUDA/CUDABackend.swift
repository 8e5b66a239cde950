// The CUDA backend: WarblerTensor's `Backend` protocol on one CUDA device. Memory comes from the
// device's caching allocator; every primitive is queued on the device's one stream, so results
// are ordered without host waits, and only copies to the host synchronise. GEMM is cuBLAS,
// the rest NVRTC kernels (Kernels+*.swift); convolutions use the generic im2col + GEMM path
// (Conv2dIm2col.swift) on these primitives; docs/gpu.md lists what runs where.
// `CUDABackend.register()` makes `Backends.backend(for: .cuda(i))` find it. The protocol's
// primitives cannot throw: a CUDA failure inside one stops the program with the failing call's
// sentence.
import CCUDA
import Foundation
import WarblerTensor

public final class CUDABackend: Backend, @unchecked Sendable {
    public let device: Device
    public let cuda: CUDADevice
    let elementwise: CUDAKernelModule
    let windowed: CUDAKernelModule

    public init(ordinal: Int = 0) throws {
        cuda = try CUDADevice.get(ordinal)
        device = .cuda(ordinal)
        elementwise = try cuda.module(.elementwise)
        windowed = try cuda.module(.window)
    }

    /// Registers the CUDA backend factory with WarblerTensor (idempotent). Devices are opened
    /// on first use; one that cannot be opened throws its sentence from `Backends.backend(for:)`.
    public static func register() {
        Backends.registerCUDA { device in
            guard case .cuda(let i) = device else { throw CUDAError("\(device) is not a CUDA device.") }
            return try CUDABackend(ordinal: i)
        }
    }

    /// Runs a queued operation; a failure stops the program with its sentence.
    @inline(__always) func must(_ body: () throws -> Void) {
        do { try body() } catch { fatalError("CUDA backend (\(device)): \(error)") }
    }

    /// The device address of float `index` of `s`.
    @inline(__always) func ptr(_ s: Storage, _ index: Int = 0) -> CUdeviceptr {
        precondition(s.device == device, "CUDA backend \(device) got storage on \(s.device)")
        return CUdeviceptr(UInt(bitPattern: s.raw)) + CUdeviceptr(index * 4)
    }

    public func allocate(_ count: Int) -> Storage {
        var buffer: DeviceBuffer!
        must { buffer = try cuda.allocate(floats: count) }
        let b = buffer!
        return Storage(
            device: device, count: count, raw: UnsafeMutableRawPointer(bitPattern: UInt(b.pointer))!,
            release: { _ in withExtendedLifetime(b) {} })
    }

    public func copy(from host: UnsafeBufferPointer<Float>, to storage: Storage) {
        precondition(host.count == storage.count, "copy: \(host.count) values into storage of \(storage.count)")
        must { try cuda.upload(UnsafeRawBufferPointer(host), to: ptr(storage)) }
    }

    public func copy(from storage: Storage, to host: UnsafeMutableBufferPointer<Float>) {
        precondition(host.count == storage.count, "copy: storage of \(storage.count) into \(host.count) values")
        must { try cuda.download(ptr(storage), to: UnsafeMutableRawBufferPointer(host)) }
    }

    public func fill(_ storage: Storage, with value: Float) {
        must { try cuda.fill(ptr(storage), words: storage.count, bits: value.bitPattern) }
    }

    public func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: Storage, aOffset: Int, aBatchStride: Int, b: Storage, bOffset: Int, bBatchStride: Int,
        beta: Float, c: Storage, cOffset: Int, cBatchStride: Int, batch: Int
    ) {
        must {
            if k == 0 {
                // No products: C = beta C, as BLAS defines it.
                for i in 0..<batch {
                    let s = cOffset + i * cBatchStride
                    try launchUnary(.scale(beta), ptr(c, s), into: ptr(c, s), count: m * n)
                }
                return
            }
            try cuda.gemm(
                transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                a: ptr(a, aOffset), aBatchStride: aBatchStride, b: ptr(b, bOffset), bBatchStride: bBatchStride,
                beta: beta, c: ptr(c, cOffset), cBatchStride: cBatchStride, batch: batch)
        }
    }
}
