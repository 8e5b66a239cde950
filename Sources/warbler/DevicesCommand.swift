// `warbler devices [--check]`: the CPU (cores, BLAS, oneDNN) and every CUDA device found (name,
// memory, compute capability, driver, which libraries were loaded from where), or the one
// sentence saying why CUDA is unavailable. `--check` runs the device parity harness on every
// CUDA device (GPU front-end and backend primitives against the CPU) and exits non-zero on any
// mismatch. Without a GPU both exit 0 after saying so.
import ArgumentParser
import CBLAS
import CDNNL
import Foundation
import WarblerCommandLine
import WarblerCUDA
import WarblerTensor

struct DevicesCommand: WarblerCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices", abstract: "List the CPU and CUDA devices; --check compares each GPU with the CPU.")

    @Flag(help: "Run the device parity check (every GPU op against the CPU) and fail on any mismatch.")
    var check: Bool = false

    @Flag(name: .customLong("failures-only"), help: "With --check, print only the cases that fail.")
    var failuresOnly: Bool = false

    func execute() throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let blas = openblas_get_config().map { String(cString: $0).trimmingCharacters(in: .whitespaces) } ?? "OpenBLAS"
        let v = dnnl_version().pointee
        say("cpu: \(cores) cores (\(cpuModel())); BLAS: \(blas), \(openblas_get_num_threads()) threads; oneDNN \(v.major).\(v.minor).\(v.patch)")
        let libraries: CUDALibraries
        let started = Date()
        switch CUDALibraries.shared {
        case .failure(let why):
            say(why.description)
            if check { say("device check: nothing to compare (no CUDA device).") }
            return
        case .success(let l): libraries = l
        }
        say(
            String(
                format: "cuda driver: CUDA %d.%d, %d device%@ (libraries found and loaded in %.0f ms)", libraries.driverVersion / 1000,
                libraries.driverVersion % 1000 / 10, libraries.deviceCount, libraries.deviceCount == 1 ? "" : "s",
                Date().timeIntervalSince(started) * 1000))
        for lib in libraries.loaded {
            let version = lib.version.isEmpty ? "" : " " + lib.version.map(String.init).joined(separator: ".")
            say("  \(lib.name)\(version): \(lib.path)")
        }
        say(
            "  nvrtc version: \(libraries.nvrtcVersion.0).\(libraries.nvrtcVersion.1); kernel cache: \(CUDAKernelCacheInfo.folder) (\(CUDAKernelCacheInfo.entries) kernels)"
        )
        var failed = 0
        for i in 0..<libraries.deviceCount {
            do {
                let d = try CUDADevice.get(i)
                say(
                    String(
                        format: "cuda:%d: %@, %.1f GiB, compute capability %d.%d (%@), %d multiprocessors",
                        i, d.name, Double(d.totalMemory) / Double(1 << 30), d.computeCapability.0, d.computeCapability.1,
                        d.architecture, d.multiprocessors))
            } catch {
                say("cuda:\(i): cannot be opened: \(describe(error))")
                failed += 1
                continue
            }
            guard check else { continue }
            let started = Date()
            let results = try DeviceParity.run(device: .cuda(i))
            let bad = results.filter { !$0.passed }
            for r in results where !failuresOnly || !r.passed { say("  " + r.description) }
            say(
                String(
                    format: "  cuda:%d parity: %d of %d cases within tolerance (%.1f s)", i, results.count - bad.count,
                    results.count, Date().timeIntervalSince(started)))
            failed += bad.count
        }
        if check && failed > 0 {
            printError("device check failed: \(failed) case\(failed == 1 ? "" : "s") outside tolerance.")
            throw ExitCode(1)
        }
    }

    /// Prints and flushes at once, so the lines so far survive a CUDA failure that stops the program.
    func say(_ line: String) {
        print(line)
        fflush(nil)
    }

    func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        }
        return "unknown CPU"
    }
}
