// One CUDA device as the rest of WarblerCUDA uses it: its properties, the primary context
// (shared with cuBLAS, cuFFT and any other CUDA user in the process), one stream that every
// operation of the backend is queued on in order, the caching allocator, pinned staging buffers
// and a cuBLAS handle bound to the stream (made when first needed). One instance per ordinal,
// made on first use.
import CCUDA
import Foundation

public final class CUDADevice: @unchecked Sendable {
    public let ordinal: Int
    public let name: String
    public let totalMemory: Int
    /// Compute capability (major, minor), e.g. (9, 0) for an H100.
    public let computeCapability: (Int, Int)
    public let multiprocessors: Int
    let libraries: CUDALibraries
    let handle: CUdevice
    let context: CUcontext
    /// The stream every backend operation on this device is queued on.
    let stream: CUstream
    let allocator: CUDAAllocator
    let staging: PinnedStaging
    private var blasHandle: cublasHandle_t?
    private let lock = NSLock()
    private var modules: [String: CUDAKernelModule] = [:]

    /// The device's NVRTC target, "sm_90" for compute capability 9.0.
    public var architecture: String { "sm_\(computeCapability.0)\(computeCapability.1)" }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var devices: [Int: CUDADevice] = [:]

    /// The device with this ordinal; throws `CUDAUnavailable` or `CUDAError`.
    public static func get(_ ordinal: Int) throws -> CUDADevice {
        lock.lock()
        defer { lock.unlock() }
        if let d = devices[ordinal] { return d }
        let libraries = try CUDALibraries.load()
        guard ordinal >= 0 && ordinal < libraries.deviceCount else {
            throw CUDAError("cuda:\(ordinal) does not exist: this machine has \(libraries.deviceCount) CUDA device\(libraries.deviceCount == 1 ? "" : "s").")
        }
        let d = try CUDADevice(ordinal: ordinal, libraries: libraries)
        devices[ordinal] = d
        return d
    }

    private init(ordinal: Int, libraries: CUDALibraries) throws {
        self.ordinal = ordinal
        self.libraries = libraries
        let drv = libraries.driver
        var dev: CUdevice = 0
        try drv.check(drv.cuDeviceGet(&dev, Int32(ordinal)), "cuDeviceGet(\(ordinal))")
        handle = dev
        var buffer = [CChar](repeating: 0, count: 256)
        try drv.check(drv.cuDeviceGetName(&buffer, 255, dev), "cuDeviceGetName")
        name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var bytes = 0
        try drv.check(drv.cuDeviceTotalMem(&bytes, dev), "cuDeviceTotalMem")
        totalMemory = bytes
        func attribute(_ a: Int32) throws -> Int {
            var v: Int32 = 0
            try drv.check(drv.cuDeviceGetAttribute(&v, a, dev), "cuDeviceGetAttribute(\(a))")
            return Int(v)
        }
        computeCapability = (
            try attribute(Int32(CCUDA_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)),
            try attribute(Int32(CCUDA_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR))
        )
        multiprocessors = try attribute(Int32(CCUDA_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT))
        var ctx: CUcontext?
        try drv.check(drv.cuDevicePrimaryCtxRetain(&ctx, dev), "cuDevicePrimaryCtxRetain")
        guard let ctx else { throw CUDAError("cuDevicePrimaryCtxRetain returned no context.") }
        context = ctx
        try drv.check(drv.cuCtxSetCurrent(ctx), "cuCtxSetCurrent")
        var s: CUstream?
        try drv.check(drv.cuStreamCreate(&s, UInt32(CCUDA_STREAM_NON_BLOCKING)), "cuStreamCreate")
        guard let s else { throw CUDAError("cuStreamCreate returned no stream.") }
        stream = s
        allocator = CUDAAllocator(driver: drv, device: ordinal)
        staging = PinnedStaging(driver: drv, stream: s)
    }

    /// The cuBLAS handle bound to the stream, made on first use (creating one takes a while, and
    /// the front-end's default path needs none).
    func blas() throws -> cublasHandle_t {
        lock.lock()
        defer { lock.unlock() }
        if let h = blasHandle { return h }
        try makeCurrent()
        var h: cublasHandle_t?
        try CUDAError.checkBLAS(libraries.cublas.cublasCreate(&h), "cublasCreate")
        guard let h else { throw CUDAError("cublasCreate returned no handle.") }
        try CUDAError.checkBLAS(libraries.cublas.cublasSetStream(h, stream), "cublasSetStream")
        // Plain float32 GEMM (no TF32), so results match the CPU within float32 rounding.
        try CUDAError.checkBLAS(libraries.cublas.cublasSetMathMode(h, Int32(CCUDA_CUBLAS_DEFAULT_MATH)), "cublasSetMathMode")
        blasHandle = h
        return h
    }

    var driver: DriverAPI { libraries.driver }

    /// Makes this device's context current on the calling thread (each thread has its own).
    func makeCurrent() throws {
        try driver.check(driver.cuCtxSetCurrent(context), "cuCtxSetCurrent")
    }

    /// Waits until everything queued on the stream has run.
    public func synchronize() throws {
        try makeCurrent()
        try driver.check(driver.cuStreamSynchronize(stream), "cuStreamSynchronize")
    }

    /// The kernels of `source` compiled for this device (from the disk cache when possible).
    func module(_ source: CUDAKernelSource) throws -> CUDAKernelModule {
        lock.lock()
        defer { lock.unlock() }
        if let m = modules[source.name] { return m }
        try makeCurrent()
        let m = try CUDAKernelModule(source: source, device: self)
        modules[source.name] = m
        return m
    }

    // MARK: Memory

    /// `count` floats of device memory from the caching allocator.
    func allocate(floats count: Int) throws -> DeviceBuffer {
        try makeCurrent()
        return try allocator.allocate(bytes: max(4, count * 4))
    }

    /// Host floats to device memory at `dst`, staged through pinned buffers.
    func upload(_ host: UnsafeRawBufferPointer, to dst: CUdeviceptr) throws {
        try makeCurrent()
        try staging.upload(host, to: dst)
    }

    /// Device memory at `src` to host memory, staged through pinned buffers (synchronous).
    func download(_ src: CUdeviceptr, to host: UnsafeMutableRawBufferPointer) throws {
        try makeCurrent()
        try staging.download(src, to: host)
    }

    /// Sets `count` 32-bit words at `dst` to `bits`, in stream order.
    func fill(_ dst: CUdeviceptr, words count: Int, bits: UInt32) throws {
        guard count > 0 else { return }
        try makeCurrent()
        try driver.check(driver.cuMemsetD32Async(dst, bits, count, stream), "cuMemsetD32Async")
    }

    /// Copies `bytes` between device addresses, in stream order.
    func copy(_ src: CUdeviceptr, to dst: CUdeviceptr, bytes: Int) throws {
        guard bytes > 0 else { return }
        try makeCurrent()
        try driver.check(driver.cuMemcpyDtoDAsync(dst, src, bytes, stream), "cuMemcpyDtoDAsync")
    }
}

extension CUDADevice {
    /// Milliseconds the device spent on the work `body` queues, measured with CUDA events
    /// recorded on the stream before and after it (waits for the work to finish).
    public func timed(_ body: () throws -> Void) throws -> Double {
        try makeCurrent()
        var start: CUevent?, end: CUevent?
        try driver.check(driver.cuEventCreate(&start, UInt32(CCUDA_EVENT_DEFAULT)), "cuEventCreate")
        try driver.check(driver.cuEventCreate(&end, UInt32(CCUDA_EVENT_DEFAULT)), "cuEventCreate")
        defer { _ = driver.cuEventDestroy(start); _ = driver.cuEventDestroy(end) }
        try driver.check(driver.cuEventRecord(start, stream), "cuEventRecord")
        try body()
        try driver.check(driver.cuEventRecord(end, stream), "cuEventRecord")
        try driver.check(driver.cuEventSynchronize(end), "cuEventSynchronize")
        var ms: Float = 0
        try driver.check(driver.cuEventElapsedTime(&ms, start, end), "cuEventElapsedTime")
        return Double(ms)
    }
}
