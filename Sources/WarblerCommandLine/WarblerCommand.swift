// What every `warbler` subcommand shares: it parses its options, does its work in `execute()`
// and throws; the one `run()` here applies --threads first for the long commands, and every
// error goes on to `Warbler.exit(reporting:)` (one line, the documented exit status).
import ArgumentParser

/// A subcommand whose work is `execute()`; its errors are reported by `Warbler.exit(reporting:)`.
public protocol WarblerCommand: ParsableCommand {
    func execute() throws
}

extension WarblerCommand {
    public func run() throws { try execute() }
}

/// A long command (detect, train, spectrogram, predict): --quiet and --threads, applied before
/// any work (see `RunOptions.apply()`).
public protocol LongCommand: WarblerCommand {
    var runOptions: RunOptions { get }
}

extension LongCommand {
    public func run() throws {
        runOptions.apply()
        try execute()
    }
}
