// How long OpenMP's idle threads spin for the oneDNN kernels: a short spin (GOMP_SPINCOUNT=3000)
// is as fast as libgomp's default on an idle machine and does not hold cores from other work on a
// busy one (timings: docs/benchmarks.md, "CLI notes"). libgomp reads it once, when it is loaded,
// and it is loaded only with oneDNN, on the first oneDNN call (CLazyLibraries): setting the
// variable at start, before any thread exists, is enough.
import Foundation

public enum ThreadPolicy {
    /// Sets GOMP_SPINCOUNT=3000 unless the user chose an OpenMP wait policy or spin count.
    /// Call at start, while the process has one thread (setenv is not thread-safe).
    public static func applyShortOpenMPSpin() {
        // getenv, not ProcessInfo's environment, which copies every variable into a dictionary.
        guard getenv("OMP_WAIT_POLICY") == nil, getenv("GOMP_SPINCOUNT") == nil else { return }
        setenv("GOMP_SPINCOUNT", "3000", 1)
    }
}
