// The exit statuses of every `warbler` command, in one place (documented in docs/cli.md and in
// `warbler --help`), so that scripts and schedulers can tell "fix the command line" from "some
// inputs were bad" from "the disk is full, run again" from "stopped by a signal, go on":
//
//   0        everything asked for was done
//   1        some inputs failed (each reported, the others processed), or the run failed
//   3        the work was done but output files could not be written (disk full; `detect`
//            keeps the results in its journal and the same command finishes the job)
//   4        `merge`: some inputs are in no finished shard (named, with the shards to re-run)
//   64       usage error: unknown option, bad option value, missing argument (ArgumentParser's
//            ExitCode.validationFailure, sysexits' EX_USAGE)
//   130/143  stopped by SIGINT/SIGTERM at a safe point (128 + signal; Interruption.swift)
public enum ExitStatus {
    /// Some inputs failed, or the run failed.
    public static let failure: Int32 = 1

    /// The table as one sentence, for `warbler --help`.
    public static let summary =
        "0 success; 1 some inputs failed or the run failed; 3 outputs could not be written "
        + "(disk full; the results are kept, run the same command again); 4 merge: inputs in no finished shard; 64 usage error (unknown option, bad value); "
        + "130/143 stopped by SIGINT/SIGTERM at a safe point (the last line says how to go on)."
}
