// Batched one-sided real FFTs through cuFFT: `batch` transforms of `size` real samples stored
// back to back -> `size / 2 + 1` complex values each, on the device's stream. Plans are made
// once per (size, batch) and kept for the device's lifetime.
import CCUDA
import Foundation

final class CUDAFFTPlan: @unchecked Sendable {
    let size: Int
    let batch: Int
    private let handle: cufftHandle
    private let device: CUDADevice

    private static let lock = NSLock()
    nonisolated(unsafe) private static var plans: [String: CUDAFFTPlan] = [:]

    static func shared(device: CUDADevice, size: Int, batch: Int) throws -> CUDAFFTPlan {
        lock.lock()
        defer { lock.unlock() }
        let key = "\(device.ordinal):\(size):\(batch)"
        if let p = plans[key] { return p }
        let p = try CUDAFFTPlan(device: device, size: size, batch: batch)
        plans[key] = p
        return p
    }

    private init(device: CUDADevice, size: Int, batch: Int) throws {
        self.size = size
        self.batch = batch
        self.device = device
        try device.makeCurrent()
        let fft = device.libraries.cufft
        var h: cufftHandle = 0
        var n = [Int32(size)]
        // NULL embeddings: the basic contiguous layout (input distance size, output size/2 + 1).
        try CUDAError.checkFFT(
            fft.cufftPlanMany(
                &h, 1, &n, nil, 1, Int32(size), nil, 1, Int32(size / 2 + 1),
                Int32(CCUDA_CUFFT_R2C), Int32(batch)),
            "cufftPlanMany(R2C, n \(size), batch \(batch))")
        handle = h
        try CUDAError.checkFFT(fft.cufftSetStream(h, device.stream), "cufftSetStream")
    }

    deinit { _ = device.libraries.cufft.cufftDestroy(handle) }

    /// Transforms `batch` frames at `input` into the complex spectra at `output`.
    func forward(_ input: CUdeviceptr, into output: CUdeviceptr) throws {
        try device.makeCurrent()
        try CUDAError.checkFFT(
            device.libraries.cufft.cufftExecR2C(
                handle, UnsafeMutablePointer(bitPattern: UInt(input)),
                UnsafeMutableRawPointer(bitPattern: UInt(output))),
            "cufftExecR2C")
    }
}
