// How long OpenMP's idle threads spin for the oneDNN kernels (convolutions, GEMM). By default
// libgomp's idle threads spin for up to 300,000 rounds after each parallel region; on a
// machine whose cores are also busy with other work, a spinning thread holds a core that the
// next region's other thread needs, and every region then waits for the scheduler (a
// resnest14d forward measured 452 ms instead of 66 ms with passive waiting, in the same
// minute). Passive waiting, though, made the ResNeSt-50 convolutions 25 % slower on an idle
// machine (each region woke its threads anew). A short spin keeps both: 3,000 rounds (a few
// microseconds) measured as fast as the default when idle (bench/engine.py: 32.1 ms forward,
// 117.5 ms forward + backward, against 40.3 and 142.7 passive). So warbler asks for
// GOMP_SPINCOUNT=3000 unless the user set a policy. libgomp reads its variables once, when it
// is loaded, so the process re-executes itself once with the variable set.
//
// Commands that never enter an OpenMP region (no oneDNN or OpenBLAS work: spectrogram, info,
// synth, evaluate, help, version) skip the re-execution: loading and relocating the
// binary's ~40 libraries a second time was a third of `warbler spectrogram`'s process time on a
// 5-minute file (docs/benchmarks.md, "Whole-process spectrogram").
import Foundation

enum ThreadPolicy {
    /// First arguments of command lines that run no OpenMP work.
    static let commandsWithoutOpenMP: Set<String> = [
        "spectrogram", "info", "synth", "evaluate", "help", "--help", "-h", "--version",
    ]

    static func applyShortOpenMPSpin() {
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

    /// OpenBLAS starts its worker threads when it is loaded, and they spin (sched_yield) for a
    /// while waiting for work: on 2 cores that took a core from the front-end for most of a short
    /// `spectrogram` run (0.17 s instead of 0.13 s with OPENBLAS_NUM_THREADS=1, 5-minute file).
    /// Commands that do no BLAS work stop them; OpenBLAS starts them again if BLAS is ever called.
    static func stopIdleBLASThreads() {
        typealias Shutdown = @convention(c) () -> Int32
        // RTLD_DEFAULT (nil): the symbol of the OpenBLAS the binary is linked with, if it has one.
        guard let symbol = dlsym(nil, "blas_thread_shutdown_") else { return }
        _ = unsafeBitCast(symbol, to: Shutdown.self)()
    }
}
