// Compiles every kernel module of WarblerCUDA with NVRTC for a given architecture without a GPU
// or driver (NVRTC needs neither): lets a machine with only the `nvidia-cuda-nvrtc` package
// check that the kernel sources and the Swift side of the NVRTC binding are sound, and checks
// that cuBLAS and cuFFT, where found, export every function WarblerCUDA resolves.
import Foundation

public enum KernelCompileCheck {
    /// The kernel modules WarblerCUDA compiles at run time.
    static let sources: [CUDAKernelSource] = [.frontEnd, .fusedFrontEnd, .elementwise, .window]

    /// (module name, CUBIN bytes) of each module compiled for `architecture` ("sm_90"); throws
    /// `CUDAUnavailable` when no NVRTC is found, or the compile error with NVRTC's log.
    public static func compileAll(architecture: String = "sm_90") throws -> [(name: String, bytes: Int)] {
        let locator = CUDALibraryLocator.standard()
        guard let nvrtcFile = locator.candidates("libnvrtc").first else {
            throw CUDAUnavailable("no libnvrtc.so was found to compile with (install nvidia-cuda-nvrtc).")
        }
        let folder = URL(fileURLWithPath: nvrtcFile.path).deletingLastPathComponent().path
        if let builtins = locator.newest("libnvrtc-builtins", in: folder) { _ = CUDALibraries.open([builtins.path]) }
        guard let handle = CUDALibraries.open([nvrtcFile.path])?.handle else {
            throw CUDAUnavailable("\(nvrtcFile.path) could not be loaded: \(CUDALibraries.lastError()).")
        }
        let nvrtc = try NVRTCAPI(handle)
        return try sources.map { ($0.name, try CUDAKernelModule.compile($0, arch: architecture, nvrtc: nvrtc).count) }
    }

    /// The cuBLAS and cuFFT files found whose every function WarblerCUDA uses resolved.
    public static func resolveLibraries() throws -> [String] {
        let locator = CUDALibraryLocator.standard()
        var resolved: [String] = []
        if let lt = locator.candidates("libcublasLt").first { _ = CUDALibraries.open([lt.path]) }
        if let blas = locator.candidates("libcublas").first, let h = CUDALibraries.open([blas.path])?.handle {
            _ = try CUBLASAPI(h)
            resolved.append(blas.path)
        }
        if let fft = locator.candidates("libcufft").first, let h = CUDALibraries.open([fft.path])?.handle {
            _ = try CUFFTAPI(h)
            resolved.append(fft.path)
        }
        return resolved
    }
}
