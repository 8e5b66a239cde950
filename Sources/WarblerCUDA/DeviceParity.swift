// Device parity: runs the GPU front-end and every backend primitive on a device with random
// inputs and compares each result with the CPU's (the reference) element by element:
// |device - cpu| <= atol + rtol * |cpu| (NaN only where the CPU has NaN). Device outputs are
// poisoned with NaN before each run, so an element a kernel fails to write is a mismatch.
// Used by the DeviceParityTests XCTest and by `warbler devices --check` (the GPU machine has no
// Swift toolchain, so the binary itself must be able to run the check).
import Foundation
import WarblerFeatures
import WarblerTensor

/// One comparison of a device result with the CPU's.
public struct ParityResult: Sendable, CustomStringConvertible {
    public let name: String
    public let device: Device
    public let elements: Int
    /// Largest |device - cpu| and the largest |device - cpu| / max(|cpu|, tiny).
    public let maxAbsoluteError: Double
    public let maxRelativeError: Double
    public let atol: Double
    public let rtol: Double
    /// Elements outside atol + rtol |cpu|.
    public let mismatches: Int
    /// Where the primitive ran when not wholly on the device (e.g. "host fallback").
    public let note: String?
    public var passed: Bool { mismatches == 0 }

    public var description: String {
        let status = passed ? "ok  " : "FAIL"
        return String(format: "%@ %-34@ %9d elems  max abs %.2e  max rel %.2e  (atol %.0e, rtol %.0e)%@",
                      status, name, elements, maxAbsoluteError, maxRelativeError, atol, rtol,
                      note.map { "  [\($0)]" } ?? "" + (passed ? "" : "  \(mismatches) mismatches"))
    }

    /// Compares `actual` (device) with `expected` (CPU).
    static func compare(_ name: String, device: Device, expected: [Float], actual: [Float], atol: Double, rtol: Double,
                        note: String? = nil) -> ParityResult {
        var maxAbs = 0.0, maxRel = 0.0, bad = expected.count == actual.count ? 0 : max(1, expected.count)
        if bad == 0 {
            for (e, a) in zip(expected, actual) {
                if e.isNaN || a.isNaN {
                    if !(e.isNaN && a.isNaN) { bad += 1 }
                    continue
                }
                if e == a { continue }  // equal infinities included
                let d = abs(Double(a) - Double(e))
                maxAbs = max(maxAbs, d)
                maxRel = max(maxRel, d / max(abs(Double(e)), 1e-30))
                if !(d <= atol + rtol * abs(Double(e))) { bad += 1 }
            }
        }
        return ParityResult(name: name, device: device, elements: expected.count, maxAbsoluteError: maxAbs,
                            maxRelativeError: maxRel, atol: atol, rtol: rtol, mismatches: bad, note: note)
    }
}

public enum DeviceParity {
    /// The CUDA devices of this machine, or the sentence saying why there are none.
    public static func cudaDevices() -> (devices: [Device], unavailable: String?) {
        switch CUDALibraries.shared {
        case .success(let libs): return ((0..<libs.deviceCount).map { .cuda($0) }, nil)
        case .failure(let why): return ([], why.description)
        }
    }

    /// Every parity case on `device` (a CUDA device), front-end first.
    public static func run(device: Device) throws -> [ParityResult] {
        guard case .cuda(let ordinal) = device else { throw CUDAError("device parity compares a CUDA device with the CPU, not \(device).") }
        CUDABackend.register()
        let backend = try Backends.backend(for: device)
        var results = try frontEnd(ordinal: ordinal)
        var cases = ParityCases(cpu: Backends.cpu, gpu: backend)
        results += cases.all()
        results += try autograd(device: device)
        return results
    }

    /// The GPU front-end against the CPU FrontEnd on clips of random noise and tones.
    static func frontEnd(ordinal: Int) throws -> [ParityResult] {
        var rng = ParityRandom(seed: 11)
        func clip(_ n: Int) -> [Float] {
            (0..<n).map { i in 0.3 * sin(Float(i) * 0.05 + Float(n)) + 0.2 * rng.uniform(-1, 1) }
        }
        let batch = [clip(32_000), clip(73_421), clip(1_500), clip(2)]
        var cases: [(String, FrontEndConfig, Double, Double)] = []
        cases.append(("frontend log-mel (seed defaults)", FrontEndConfig(), 2e-3, 1e-5))
        var c = FrontEndConfig()
        c.padMode = .constant
        c.nFFT = 512
        c.hopLength = 256
        c.window = .hamming
        c.winLength = 400
        c.melScale = .htk
        c.melNorm = .none
        c.nMels = 64
        c.topDB = 80
        c.ref = 3
        cases.append(("frontend log-mel (constant, htk, top_db)", c, 2e-3, 1e-5))
        var lin = FrontEndConfig()
        lin.decibels = false
        lin.power = 1
        lin.center = false
        cases.append(("frontend linear mel (power 1, no centre)", lin, 0, 1e-4))
        var results: [ParityResult] = []
        for (name, config, atol, rtol) in cases {
            let cpu = try FrontEnd(config: config)
            let clips = batch.filter { config.center || $0.count >= config.nFFT }
            let expected = try clips.flatMap { try cpu($0).values }
            for path in CUDAFrontEndPath.allCases {
                let gpu = try CUDAFrontEnd(config: config, device: ordinal)
                gpu.path = path
                let actual = try gpu(batch: clips).flatMap(\.values)
                // Linear values: atol relative to the largest value (tiny bands are near rounding noise).
                let scale = config.decibels ? 1 : Double(expected.map(abs).max() ?? 1)
                results.append(.compare("\(name) [\(path.rawValue)]", device: .cuda(ordinal), expected: expected, actual: actual,
                                        atol: config.decibels ? atol : 1e-6 * scale, rtol: rtol))
            }
        }
        // The streaming front-end (the CLI's --device cuda path) on pieces of a clip equals the CPU.
        let cpu = try FrontEnd()
        let stream = CUDALogMelStream(frontEnd: try CUDAFrontEnd(device: ordinal))
        let long = batch[1]
        var streamed: [Float] = []
        for start in stride(from: 0, to: long.count, by: 9_999) {
            streamed += try stream.append(Array(long[start..<min(long.count, start + 9_999)])).values
        }
        streamed += try stream.finish().values
        results.append(.compare("frontend streamed in pieces", device: .cuda(ordinal), expected: try cpu(long).values,
                                actual: streamed, atol: 2e-3, rtol: 1e-5))
        return results
    }
}

/// A small deterministic generator (xorshift64*) for parity inputs.
struct ParityRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
    mutating func uniform(_ lo: Float, _ hi: Float) -> Float {
        lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24)
    }
    mutating func array(_ n: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] { (0..<n).map { _ in uniform(lo, hi) } }
}
