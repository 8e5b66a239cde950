// Device parity: runs the GPU front-end and every backend primitive on a device with random
// inputs and compares each result with the CPU's (the reference) element by element:
// |device - cpu| <= atol + rtol * |cpu| (NaN only where the CPU has NaN; `ParityResult` in
// WarblerTensor). Device outputs are poisoned with NaN before each run, so an element a kernel
// fails to write is a mismatch.
// Used by the DeviceParityTests XCTest and by `warbler devices --check` (the GPU machine has no
// Swift toolchain, so the binary itself must be able to run the check).
import Foundation
import WarblerFeatures
import WarblerTensor

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
        var cases = BackendParity(reference: Backends.cpu, candidate: backend)
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
                results.append(
                    .compare(
                        "\(name) [\(path.rawValue)]", device: .cuda(ordinal), expected: expected, actual: actual,
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
        results.append(
            .compare(
                "frontend streamed in pieces", device: .cuda(ordinal), expected: try cpu(long).values,
                actual: streamed, atol: 2e-3, rtol: 1e-5))
        return results
    }
}
