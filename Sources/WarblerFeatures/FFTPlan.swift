// FFTW real-to-complex plans, one per transform size, made once per process under a lock
// (FFTW's planner is not thread-safe; executing a plan on new arrays is).
import CFFTW
import Foundation

final class FFTPlan: @unchecked Sendable {
    let size: Int
    let plan: fftwf_plan

    private nonisolated(unsafe) static var cache: [Int: FFTPlan] = [:]
    private static let lock = NSLock()

    private init(size: Int) {
        self.size = size
        let input = fftwf_alloc_real(size)!
        let output = fftwf_alloc_complex(size / 2 + 1)!
        // FFTW_MEASURE times a few algorithms for this size (tens of ms, once per process);
        // the buffers it plans on are overwritten, which is why they are scratch.
        plan = fftwf_plan_dft_r2c_1d(Int32(size), input, output, FFTW_MEASURE)!
        fftwf_free(input)
        fftwf_free(output)
    }

    /// The shared plan for `size`-point real transforms.
    static func shared(size: Int) -> FFTPlan {
        lock.lock()
        defer { lock.unlock() }
        if let p = cache[size] { return p }
        let p = FFTPlan(size: size)
        cache[size] = p
        return p
    }

    /// Transforms `input` (size reals) into `output` (size/2+1 complex, interleaved re/im).
    /// Both must come from `Scratch`, so they share the plan's SIMD alignment.
    @inline(__always)
    func execute(_ input: UnsafeMutablePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
        output.withMemoryRebound(to: fftwf_complex.self, capacity: size / 2 + 1) {
            fftwf_execute_dft_r2c(plan, input, $0)
        }
    }
}

/// Per-worker buffers for one frame: the windowed frame, its spectrum, its magnitudes.
struct FrameScratch {
    let frame: UnsafeMutablePointer<Float>
    let spectrum: UnsafeMutablePointer<Float>
    let power: UnsafeMutablePointer<Float>

    init(nFFT: Int) {
        frame = fftwf_alloc_real(nFFT)!
        spectrum = UnsafeMutableRawPointer(fftwf_alloc_complex(nFFT / 2 + 1)!).assumingMemoryBound(to: Float.self)
        power = fftwf_alloc_real(nFFT / 2 + 1)!
    }

    func free() {
        fftwf_free(frame)
        fftwf_free(spectrum)
        fftwf_free(power)
    }
}
