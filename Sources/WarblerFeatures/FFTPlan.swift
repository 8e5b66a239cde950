// Power spectra of real frames. For even sizes the N-point real transform is computed as an
// N/2-point complex FFT of the frame read as (even, odd) sample pairs, followed by the standard
// split step X[k] = E[k] + W^k O[k] fused with |X|^2; FFTW's complex codelets are SIMD
// throughout while its real-input ones are not, which makes this ~2.5x faster than FFTW's own
// r2c at 1024 points on this CPU. Odd sizes use FFTW's r2c. Plans transform `batch` frames per
// call and are made once per process under a lock (FFTW's planner is not thread-safe; executing
// a plan on new arrays is).
//
// Plans are made with FFTW_ESTIMATE, never FFTW_MEASURE: MEASURE picks among algorithms by
// timing them, so two processes (or a busy and an idle minute) chose different plans, which
// round differently, and the same command wrote different .npy files (issue 16). ESTIMATE picks
// by FFTW's fixed cost model, so every process on a machine (same FFTW, same CPU features) makes
// the same plan and the output is byte-identical run to run. The cost is small: on the busy
// 2-core VM (bench/fftw_plans.c) ESTIMATE's plan for the 512-point batch ran at 13.6-29.9 us
// against 16.7-24.3 us for MEASURE's changing picks (faster in one session, ~20 % slower in
// another), and the whole log-mel within the machine's noise of the measured plan (medians 259
// against 249 ms, alternating runs at load 13); it is made in under a millisecond instead of
// 250-420 ms, so no wisdom file is needed (docs/benchmarks.md, "Whole-process spectrogram").
import CFFTW
import Foundation

final class FFTPlan: @unchecked Sendable {
    /// Frames per transform call.
    /// Frames per FFTW call; FrontEnd.runSerial transposes them in 8 x 8 blocks, so it is 8.
    static let batch = 8
    let size: Int
    let bins: Int
    let plan: fftwf_plan
    /// Even sizes: the split step's twiddles e^{-2 pi i k / size}, k < size/2, in float32.
    private let twiddleRe: [Float]
    private let twiddleIm: [Float]

    private nonisolated(unsafe) static var cache: [Int: FFTPlan] = [:]
    private static let lock = NSLock()

    var isEven: Bool { size % 2 == 0 }

    private init(size: Int) {
        self.size = size
        let bins = size / 2 + 1
        self.bins = bins
        let batch = Self.batch
        let b = Int32(batch)
        let input = fftwf_alloc_real(size * Self.batch)!
        let output = fftwf_alloc_real(2 * bins * Self.batch)!
        // FFTW_ESTIMATE only looks at the buffers' alignment (fftwf_alloc: SIMD-aligned, as
        // every FrameScratch buffer the plan later runs on).
        if size % 2 == 0 {
            var n = Int32(size / 2)
            plan = input.withMemoryRebound(to: fftwf_complex.self, capacity: size / 2 * batch) { i in
                output.withMemoryRebound(to: fftwf_complex.self, capacity: bins * batch) { o in
                    fftwf_plan_many_dft(1, &n, b, i, nil, 1, n, o, nil, 1, n, FFTW_FORWARD, Self.flags)!
                }
            }
            let half = size / 2
            twiddleRe = (0..<half).map { Float(cos(-2 * Double.pi * Double($0) / Double(size))) }
            twiddleIm = (0..<half).map { Float(sin(-2 * Double.pi * Double($0) / Double(size))) }
        } else {
            var n = Int32(size)
            plan = output.withMemoryRebound(to: fftwf_complex.self, capacity: bins * batch) { o in
                fftwf_plan_many_dft_r2c(1, &n, b, input, nil, 1, n, o, nil, 1, Int32(bins), Self.flags)!
            }
            twiddleRe = []
            twiddleIm = []
        }
        fftwf_free(input)
        fftwf_free(output)
    }

    /// FFTW's planner flags: the deterministic cost model (see the file header).
    static let flags = FFTW_ESTIMATE

    /// Starts making the shared plan for `size` on another thread, unless it exists; `shared`
    /// then waits for it (both take the planner's lock).
    static func prepare(size: Int) {
        lock.lock()
        let made = cache[size] != nil
        lock.unlock()
        if !made { DispatchQueue.global().async { _ = shared(size: size) } }
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

    /// |X[k]|^power for `valid` of the `batch` frames in `scratch.frames`; frame f's `bins`
    /// values go to `out + f * rowStride`.
    func powerSpectra(_ scratch: FrameScratch, valid: Int, power: Float, into out: UnsafeMutablePointer<Float>, rowStride: Int) {
        scratch.frames.withMemoryRebound(to: fftwf_complex.self, capacity: size / 2 * Self.batch) { i in
            scratch.spectra.withMemoryRebound(to: fftwf_complex.self, capacity: bins * Self.batch) { o in
                if isEven {
                    fftwf_execute_dft(plan, i, o)
                } else {
                    fftwf_execute_dft_r2c(plan, scratch.frames, o)
                }
            }
        }
        for f in 0..<valid {
            let dst = out + f * rowStride
            if isEven {
                split(scratch.spectra + f * size, into: dst)
            } else {
                let c = scratch.spectra + f * 2 * bins
                for k in 0..<bins { dst[k] = c[2 &* k] * c[2 &* k] + c[2 &* k &+ 1] * c[2 &* k &+ 1] }
            }
            if power == 1 {
                for k in 0..<bins { dst[k] = dst[k].squareRoot() }
            } else if power != 2 {
                for k in 0..<bins { dst[k] = pow(dst[k].squareRoot(), power) }
            }
        }
    }

    /// From Z = FFT_{N/2}(x[2n] + i x[2n+1]) to |X[k]|^2, k = 0...N/2, with
    /// E[k] = (Z[k] + conj Z[N/2-k]) / 2, O[k] = (Z[k] - conj Z[N/2-k]) / 2i, X[k] = E[k] + W^k O[k].
    @inline(__always)
    private func split(_ z: UnsafeMutablePointer<Float>, into dst: UnsafeMutablePointer<Float>) {
        let half = size / 2
        // A plain loop over interleaved (re, im) pairs: LLVM's loop vectoriser turns the stride-2
        // accesses into shuffles (vshufps/vpermpd) across 8 bins, and Z[N/2 - k] into reversed
        // loads; explicit SIMD16 even/odd halves were lowered lane by lane instead. Reading
        // Z[N/2 - k] in the same loop (not from a reversed copy) saves a pass over the spectrum.
        twiddleRe.withUnsafeBufferPointer { twr in
            twiddleIm.withUnsafeBufferPointer { twi in
                let wr = twr.baseAddress!, wi = twi.baseAddress!
                // 2E and 2O, so 2X, and |X|^2 = |2X|^2 / 4: scaling by powers of two is exact, so
                // this equals halving E and O first (as the formula reads), with four fewer
                // multiplications per bin.
                @inline(__always) func bin(_ k: Int, _ bre: Float, _ bim: Float) {
                    let are = z[2 &* k], aim = z[2 &* k &+ 1]
                    let eRe = are + bre, eIm = aim - bim
                    let oRe = aim + bim, oIm = bre - are
                    let cr = wr[k], ci = wi[k]
                    let xRe = eRe + cr * oRe - ci * oIm
                    let xIm = eIm + cr * oIm + ci * oRe
                    dst[k] = (xRe * xRe + xIm * xIm) * 0.25
                }
                // Z[(N/2 - k) mod N/2]: Z[0] for k = 0.
                bin(0, z[0], z[1])
                for k in 1..<half { bin(k, z[2 &* (half &- k)], z[2 &* (half &- k) &+ 1]) }
            }
        }
        // X[N/2] = E[0] - O[0] is real: Re Z[0] - Im Z[0].
        let nyquist = z[0] - z[1]
        dst[half] = nyquist * nyquist
    }
}

/// Per-worker buffers for one batch of frames.
struct FrameScratch {
    /// `batch` windowed frames, nFFT each.
    let frames: UnsafeMutablePointer<Float>
    /// `batch` complex spectra from FFTW (nFFT floats each for even sizes, 2 (nFFT/2+1) for odd).
    let spectra: UnsafeMutablePointer<Float>
    /// |X|^p of the batch, [batch][bins].
    let power: UnsafeMutablePointer<Float>
    /// |X|^p of the batch bin-major: [bins][batch], for SIMD across frames.
    let powerT: UnsafeMutablePointer<Float>
    /// Mel values of the batch band-major: [nMels][batch].
    let melT: UnsafeMutablePointer<Float>

    init(nFFT: Int, nMels: Int) {
        let b = FFTPlan.batch
        let bins = nFFT / 2 + 1
        frames = fftwf_alloc_real(nFFT * b)!
        spectra = fftwf_alloc_real(2 * bins * b)!
        power = fftwf_alloc_real(bins * b)!
        powerT = fftwf_alloc_real(bins * b)!
        melT = fftwf_alloc_real(nMels * b)!
    }

    func free() {
        for p in [frames, spectra, power, powerT, melT] { fftwf_free(p) }
    }
}
