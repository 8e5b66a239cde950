// Line-buffered standard output, so status lines reach a log (`> log`, nohup, a Slurm job's
// output file) as they are printed rather than when the buffer fills or the process ends.
// Only Glibc is imported here: `stdout` is a C global, and setting its buffering once at
// start-up, before any other thread exists, is safe.
#if canImport(Glibc)
    @preconcurrency import Glibc

    public func lineBufferStandardOutput() {
        setvbuf(stdout, nil, _IOLBF, 0)
    }
#else
    public func lineBufferStandardOutput() {}
#endif
