// How long OpenMP's idle threads spin for the oneDNN kernels: a short spin (GOMP_SPINCOUNT=3000)
// is as fast as libgomp's default on an idle machine and does not hold cores from other work on a
// busy one (timings: docs/benchmarks.md, "CLI notes"). libgomp reads it once, when loaded, so the
// process re-executes itself once with it set; commands that run no OpenMP work skip that.
import Foundation

public enum ThreadPolicy {
    /// First arguments of command lines that run no OpenMP work.
    public static let commandsWithoutOpenMP: Set<String> = [
        "spectrogram", "info", "synth", "evaluate", "help", "--help", "-h", "--version",
    ]

    public static func applyShortOpenMPSpin() {
        let env = ProcessInfo.processInfo.environment
        guard env["OMP_WAIT_POLICY"] == nil, env["GOMP_SPINCOUNT"] == nil else { return }
        let args = CommandLine.arguments
        if args.count < 2 || commandsWithoutOpenMP.contains(args[1]) {
            stopIdleBLASThreads()
            return
        }
        setenv("GOMP_SPINCOUNT", "3000", 1)
        // On failure (no /proc, say) carry on with the default policy.
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }

    /// OpenBLAS's worker threads start when it is loaded and spin waiting for work, taking cores
    /// from the front-end; commands that do no BLAS work stop them (OpenBLAS starts them again if
    /// BLAS is ever called).
    public static func stopIdleBLASThreads() {
        typealias Shutdown = @convention(c) () -> Int32
        // RTLD_DEFAULT (nil): the symbol of the OpenBLAS the binary is linked with, if it has one.
        guard let symbol = dlsym(nil, "blas_thread_shutdown_") else { return }
        _ = unsafeBitCast(symbol, to: Shutdown.self)()
    }
}
