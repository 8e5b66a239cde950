// Loads the CUDA driver (libcuda.so.1) and the newest cuBLAS (+ cuBLASLt), cuFFT, NVRTC
// (+ its builtins) and, when present, the CUDA runtime and nvJitLink that they may need, with
// dlopen, and resolves the functions WarblerCUDA calls. Loaded once per process; a missing
// driver, device or library becomes `CUDAUnavailable` with one sentence naming what is missing
// and where it was looked for.
import CCUDA
import Foundation

/// A library that was loaded: what it is, the file, and its version numbers.
public struct LoadedLibrary: Sendable {
    public let name: String
    public let path: String
    public let version: [Int]
}

/// The loaded CUDA libraries and their function tables.
public final class CUDALibraries: @unchecked Sendable {
    public let loaded: [LoadedLibrary]
    /// Folders that were searched.
    public let folders: [String]
    let driver: DriverAPI
    let nvrtc: NVRTCAPI
    let cublas: CUBLASAPI
    let cufft: CUFFTAPI
    /// The driver's CUDA version, e.g. 13000 for 13.0.
    public let driverVersion: Int
    /// NVRTC's (major, minor).
    public let nvrtcVersion: (Int, Int)
    public let deviceCount: Int

    /// The process-wide libraries, loaded on first use.
    public static var shared: Result<CUDALibraries, CUDAUnavailable> { cached }
    private static let cached: Result<CUDALibraries, CUDAUnavailable> = Result { try CUDALibraries() }
        .mapError { $0 as? CUDAUnavailable ?? CUDAUnavailable("\($0)") }

    /// Throws the reason when CUDA cannot be used.
    public static func load() throws -> CUDALibraries { try shared.get() }

    private init() throws {
        let locator = CUDALibraryLocator.standard()
        folders = locator.folders
        let shown = locator.folders.prefix(12).joined(separator: ", ")
        let more = locator.folders.count > 12 ? " and \(locator.folders.count - 12) more" : ""
        let scope =
            ProcessInfo.processInfo.environment["WARBLER_CUDA_PATH"].map { $0.isEmpty ? nil : $0 } != nil
            ? "$WARBLER_CUDA_PATH" : "CUDA_HOME, the system library path, Python's site-packages/nvidia/*/lib"
        let whereLooked = "looked through the system loader and in \(locator.folders.isEmpty ? "no existing folder" : shown + more) (\(scope))"
        var loaded: [LoadedLibrary] = []

        // The driver comes with the kernel module: the system's own libcuda.so.1, by soname first.
        guard let cuda = Self.open(["libcuda.so.1"] + locator.candidates("libcuda").map(\.path)) else {
            throw CUDAUnavailable("the NVIDIA driver library libcuda.so.1 was not found (no NVIDIA driver installed); \(whereLooked).")
        }
        loaded.append(LoadedLibrary(name: "driver", path: cuda.path, version: []))
        driver = try DriverAPI(cuda.handle)
        let initResult = driver.cuInit(0)
        guard initResult == 0 else {
            throw CUDAUnavailable("cuInit failed with \(driver.errorText(initResult)); the driver is installed but no usable GPU was found.")
        }
        var version: Int32 = 0
        try driver.check(driver.cuDriverGetVersion(&version), "cuDriverGetVersion")
        driverVersion = Int(version)
        var count: Int32 = 0
        try driver.check(driver.cuDeviceGetCount(&count), "cuDeviceGetCount")
        guard count > 0 else { throw CUDAUnavailable("the NVIDIA driver reports no CUDA devices.") }
        deviceCount = Int(count)

        // Companions first, global, so that the main libraries' DT_NEEDED entries resolve to them.
        for (stem, name) in [("libcudart", "runtime"), ("libnvJitLink", "nvJitLink")] {
            if let lib = Self.openNewest(stem, locator) { loaded.append(LoadedLibrary(name: name, path: lib.path, version: lib.version)) }
        }
        func require(_ stem: String, _ name: String, companion: String? = nil) throws -> (UnsafeMutableRawPointer, LibraryCandidate) {
            let found = locator.candidates(stem)
            guard let best = found.first else {
                throw CUDAUnavailable("\(stem).so was not found (install CUDA or `pip install nvidia-\(name)`); \(whereLooked).")
            }
            let folder = URL(fileURLWithPath: best.path).deletingLastPathComponent().path
            if let companion, let c = locator.newest(companion, in: folder) ?? locator.candidates(companion).first {
                guard Self.open([c.path]) != nil else {
                    throw CUDAUnavailable("\(c.path) could not be loaded: \(Self.lastError()).")
                }
                loaded.append(LoadedLibrary(name: companion, path: c.path, version: c.version))
            }
            guard let lib = Self.open([best.path]) else {
                throw CUDAUnavailable("\(best.path) could not be loaded: \(Self.lastError()).")
            }
            loaded.append(LoadedLibrary(name: name, path: best.path, version: best.version))
            return (lib.handle, best)
        }
        let (nvrtcHandle, _) = try require("libnvrtc", "cuda-nvrtc", companion: "libnvrtc-builtins")
        nvrtc = try NVRTCAPI(nvrtcHandle)
        let (blasHandle, _) = try require("libcublas", "cublas", companion: "libcublasLt")
        cublas = try CUBLASAPI(blasHandle)
        let (fftHandle, _) = try require("libcufft", "cufft")
        cufft = try CUFFTAPI(fftHandle)
        var major: Int32 = 0, minor: Int32 = 0
        try nvrtc.check(nvrtc.nvrtcVersion(&major, &minor), "nvrtcVersion")
        nvrtcVersion = (Int(major), Int(minor))
        self.loaded = loaded
    }

    /// dlopen's message for the last failure.
    static func lastError() -> String { dlerror().map { String(cString: $0) } ?? "unknown dlopen error" }

    /// The first of `names` that dlopen accepts (global, resolved now).
    static func open(_ names: [String]) -> (handle: UnsafeMutableRawPointer, path: String)? {
        for name in names {
            if let h = dlopen(name, RTLD_NOW | RTLD_GLOBAL) { return (h, name.contains("/") ? name : resolvedPath(h) ?? name) }
        }
        return nil
    }

    /// The newest `stem` that loads, or nil (for optional companions).
    static func openNewest(_ stem: String, _ locator: CUDALibraryLocator) -> LibraryCandidate? {
        for c in locator.candidates(stem) where open([c.path]) != nil { return c }
        return nil
    }

    /// The file a handle was loaded from (for libraries opened by soname): the file holding
    /// its `probe` symbol, from dladdr.
    static func resolvedPath(_ handle: UnsafeMutableRawPointer, probe: String = "cuInit") -> String? {
        guard let p = dlsym(handle, probe) else { return nil }
        return ccuda_library_path(p).map { String(cString: $0) }
    }
}

/// dlsym as a typed C function pointer; a missing symbol is `CUDAUnavailable`.
func symbol<T>(_ handle: UnsafeMutableRawPointer, _ name: String, _ type: T.Type = T.self) throws -> T {
    guard let p = dlsym(handle, name) else {
        throw CUDAUnavailable("the loaded library has no function \(name) (too old a version).")
    }
    return unsafeBitCast(p, to: T.self)
}

/// The driver API functions used.
struct DriverAPI: @unchecked Sendable {
    let cuInit: PFN_cuInit
    let cuDriverGetVersion: PFN_cuDriverGetVersion
    let cuDeviceGetCount: PFN_cuDeviceGetCount
    let cuDeviceGet: PFN_cuDeviceGet
    let cuDeviceGetName: PFN_cuDeviceGetName
    let cuDeviceTotalMem: PFN_cuDeviceTotalMem_v2
    let cuDeviceGetAttribute: PFN_cuDeviceGetAttribute
    let cuDevicePrimaryCtxRetain: PFN_cuDevicePrimaryCtxRetain
    let cuCtxSetCurrent: PFN_cuCtxSetCurrent
    let cuMemAlloc: PFN_cuMemAlloc_v2
    let cuMemFree: PFN_cuMemFree_v2
    let cuMemAllocHost: PFN_cuMemAllocHost_v2
    let cuMemFreeHost: PFN_cuMemFreeHost
    let cuMemcpyHtoD: PFN_cuMemcpyHtoD_v2
    let cuMemcpyDtoH: PFN_cuMemcpyDtoH_v2
    let cuMemcpyDtoD: PFN_cuMemcpyDtoD_v2
    let cuMemcpyHtoDAsync: PFN_cuMemcpyHtoDAsync_v2
    let cuMemcpyDtoHAsync: PFN_cuMemcpyDtoHAsync_v2
    let cuMemcpyDtoDAsync: PFN_cuMemcpyDtoDAsync_v2
    let cuMemsetD32: PFN_cuMemsetD32_v2
    let cuMemsetD32Async: PFN_cuMemsetD32Async
    let cuStreamCreate: PFN_cuStreamCreate
    let cuStreamSynchronize: PFN_cuStreamSynchronize
    let cuModuleLoadData: PFN_cuModuleLoadData
    let cuModuleGetFunction: PFN_cuModuleGetFunction
    let cuLaunchKernel: PFN_cuLaunchKernel
    let cuGetErrorString: PFN_cuGetErrorString
    let cuEventCreate: PFN_cuEventCreate
    let cuEventRecord: PFN_cuEventRecord
    let cuEventSynchronize: PFN_cuEventSynchronize
    let cuEventElapsedTime: PFN_cuEventElapsedTime
    let cuEventDestroy: PFN_cuEventDestroy_v2

    init(_ h: UnsafeMutableRawPointer) throws {
        cuInit = try symbol(h, "cuInit")
        cuDriverGetVersion = try symbol(h, "cuDriverGetVersion")
        cuDeviceGetCount = try symbol(h, "cuDeviceGetCount")
        cuDeviceGet = try symbol(h, "cuDeviceGet")
        cuDeviceGetName = try symbol(h, "cuDeviceGetName")
        cuDeviceTotalMem = try symbol(h, "cuDeviceTotalMem_v2")
        cuDeviceGetAttribute = try symbol(h, "cuDeviceGetAttribute")
        cuDevicePrimaryCtxRetain = try symbol(h, "cuDevicePrimaryCtxRetain")
        cuCtxSetCurrent = try symbol(h, "cuCtxSetCurrent")
        cuMemAlloc = try symbol(h, "cuMemAlloc_v2")
        cuMemFree = try symbol(h, "cuMemFree_v2")
        cuMemAllocHost = try symbol(h, "cuMemAllocHost_v2")
        cuMemFreeHost = try symbol(h, "cuMemFreeHost")
        cuMemcpyHtoD = try symbol(h, "cuMemcpyHtoD_v2")
        cuMemcpyDtoH = try symbol(h, "cuMemcpyDtoH_v2")
        cuMemcpyDtoD = try symbol(h, "cuMemcpyDtoD_v2")
        cuMemcpyHtoDAsync = try symbol(h, "cuMemcpyHtoDAsync_v2")
        cuMemcpyDtoHAsync = try symbol(h, "cuMemcpyDtoHAsync_v2")
        cuMemcpyDtoDAsync = try symbol(h, "cuMemcpyDtoDAsync_v2")
        cuMemsetD32 = try symbol(h, "cuMemsetD32_v2")
        cuMemsetD32Async = try symbol(h, "cuMemsetD32Async")
        cuStreamCreate = try symbol(h, "cuStreamCreate")
        cuStreamSynchronize = try symbol(h, "cuStreamSynchronize")
        cuModuleLoadData = try symbol(h, "cuModuleLoadData")
        cuModuleGetFunction = try symbol(h, "cuModuleGetFunction")
        cuLaunchKernel = try symbol(h, "cuLaunchKernel")
        cuGetErrorString = try symbol(h, "cuGetErrorString")
        cuEventCreate = try symbol(h, "cuEventCreate")
        cuEventRecord = try symbol(h, "cuEventRecord")
        cuEventSynchronize = try symbol(h, "cuEventSynchronize")
        // CUDA 12.8+ names the current entry point _v2; older drivers only have the original.
        cuEventElapsedTime = try (try? symbol(h, "cuEventElapsedTime_v2")) ?? symbol(h, "cuEventElapsedTime")
        cuEventDestroy = try symbol(h, "cuEventDestroy_v2")
    }

    /// "CUDA error 2 (out of memory)".
    func errorText(_ r: CUresult) -> String {
        var text: UnsafePointer<CChar>?
        if cuGetErrorString(r, &text) == 0, let text { return "CUDA error \(r) (\(String(cString: text)))" }
        return "CUDA error \(r)"
    }

    /// Throws unless `r` is CUDA_SUCCESS.
    func check(_ r: CUresult, _ call: @autoclosure () -> String) throws {
        guard r != 0 else { return }
        throw CUDAError("\(call()) failed with \(errorText(r)).")
    }
}

/// The NVRTC functions used.
struct NVRTCAPI: @unchecked Sendable {
    let nvrtcVersion: PFN_nvrtcVersion
    let nvrtcGetErrorString: PFN_nvrtcGetErrorString
    let nvrtcCreateProgram: PFN_nvrtcCreateProgram
    let nvrtcDestroyProgram: PFN_nvrtcDestroyProgram
    let nvrtcCompileProgram: PFN_nvrtcCompileProgram
    let nvrtcGetCUBINSize: PFN_nvrtcGetSize
    let nvrtcGetCUBIN: PFN_nvrtcGetBytes
    let nvrtcGetPTXSize: PFN_nvrtcGetSize
    let nvrtcGetPTX: PFN_nvrtcGetBytes
    let nvrtcGetProgramLogSize: PFN_nvrtcGetSize
    let nvrtcGetProgramLog: PFN_nvrtcGetBytes

    init(_ h: UnsafeMutableRawPointer) throws {
        nvrtcVersion = try symbol(h, "nvrtcVersion")
        nvrtcGetErrorString = try symbol(h, "nvrtcGetErrorString")
        nvrtcCreateProgram = try symbol(h, "nvrtcCreateProgram")
        nvrtcDestroyProgram = try symbol(h, "nvrtcDestroyProgram")
        nvrtcCompileProgram = try symbol(h, "nvrtcCompileProgram")
        nvrtcGetCUBINSize = try symbol(h, "nvrtcGetCUBINSize")
        nvrtcGetCUBIN = try symbol(h, "nvrtcGetCUBIN")
        nvrtcGetPTXSize = try symbol(h, "nvrtcGetPTXSize")
        nvrtcGetPTX = try symbol(h, "nvrtcGetPTX")
        nvrtcGetProgramLogSize = try symbol(h, "nvrtcGetProgramLogSize")
        nvrtcGetProgramLog = try symbol(h, "nvrtcGetProgramLog")
    }

    func check(_ r: nvrtcResult, _ call: String) throws {
        guard r != 0 else { return }
        throw CUDAError("\(call) failed with \(nvrtcGetErrorString(r).map { String(cString: $0) } ?? "NVRTC error \(r)").")
    }
}

/// The cuBLAS functions used.
struct CUBLASAPI: @unchecked Sendable {
    let cublasCreate: PFN_cublasCreate_v2
    let cublasGetVersion: PFN_cublasGetVersion_v2
    let cublasSetStream: PFN_cublasSetStream_v2
    let cublasSetMathMode: PFN_cublasSetMathMode
    let cublasSgemm: PFN_cublasSgemm_v2
    let cublasSgemmStridedBatched: PFN_cublasSgemmStridedBatched

    init(_ h: UnsafeMutableRawPointer) throws {
        cublasCreate = try symbol(h, "cublasCreate_v2")
        cublasGetVersion = try symbol(h, "cublasGetVersion_v2")
        cublasSetStream = try symbol(h, "cublasSetStream_v2")
        cublasSetMathMode = try symbol(h, "cublasSetMathMode")
        cublasSgemm = try symbol(h, "cublasSgemm_v2")
        cublasSgemmStridedBatched = try symbol(h, "cublasSgemmStridedBatched")
    }
}

/// The cuFFT functions used.
struct CUFFTAPI: @unchecked Sendable {
    let cufftGetVersion: PFN_cufftGetVersion
    let cufftPlanMany: PFN_cufftPlanMany
    let cufftExecR2C: PFN_cufftExecR2C
    let cufftSetStream: PFN_cufftSetStream
    let cufftDestroy: PFN_cufftDestroy

    init(_ h: UnsafeMutableRawPointer) throws {
        cufftGetVersion = try symbol(h, "cufftGetVersion")
        cufftPlanMany = try symbol(h, "cufftPlanMany")
        cufftExecR2C = try symbol(h, "cufftExecR2C")
        cufftSetStream = try symbol(h, "cufftSetStream")
        cufftDestroy = try symbol(h, "cufftDestroy")
    }
}
