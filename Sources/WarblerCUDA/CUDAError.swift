// Errors of the CUDA backend: one sentence naming the call that failed and why, and the
// separate "CUDA is unavailable" sentence (what is missing and where it was looked for).
import CCUDA
import Foundation

/// A CUDA, NVRTC, cuBLAS or cuFFT call that returned an error, or a bad request.
public struct CUDAError: Error, CustomStringConvertible, LocalizedError, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}

/// Why the CUDA backend cannot be used on this machine (no driver, no device, a missing library).
public struct CUDAUnavailable: Error, CustomStringConvertible, LocalizedError, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "CUDA is unavailable: \(reason)" }
    public var errorDescription: String? { description }
}

extension CUDAError {
    /// Throws unless a cuBLAS call returned CUBLAS_STATUS_SUCCESS.
    static func checkBLAS(_ status: cublasStatus_t, _ call: String) throws {
        guard status != 0 else { return }
        let names: [Int32: String] = [
            1: "NOT_INITIALIZED", 3: "ALLOC_FAILED", 7: "INVALID_VALUE", 8: "ARCH_MISMATCH",
            11: "MAPPING_ERROR", 13: "EXECUTION_FAILED", 14: "INTERNAL_ERROR", 15: "NOT_SUPPORTED",
        ]
        throw CUDAError("\(call) failed with CUBLAS_STATUS_\(names[status] ?? "\(status)").")
    }

    /// Throws unless a cuFFT call returned CUFFT_SUCCESS.
    static func checkFFT(_ result: cufftResult, _ call: String) throws {
        guard result != 0 else { return }
        let names: [Int32: String] = [
            1: "INVALID_PLAN", 2: "ALLOC_FAILED", 4: "INVALID_VALUE", 5: "INTERNAL_ERROR",
            6: "EXEC_FAILED", 7: "SETUP_FAILED", 8: "INVALID_SIZE", 16: "NOT_SUPPORTED",
        ]
        throw CUDAError("\(call) failed with CUFFT_\(names[result] ?? "error \(result)").")
    }
}
