// SIGINT and SIGTERM: the first one asks the running command to stop at its next safe point
// (between training steps, between recordings or files), where it leaves its journal and
// checkpoints consistent and no temporary file behind, prints one line saying where it stopped
// and how to go on, and exits 128 + the signal (130 for SIGINT, 143 for SIGTERM). A second
// signal ends the process at once (the next run clears any temporary file that leaves).
import ArgumentParser
import Foundation
import Synchronization

public enum Interruption {
    /// The first signal received (0: none). Written by the signal handler, so an atomic.
    public static let received = Atomic<Int32>(0)

    /// Installs the handlers; commands that stop at safe points call this before their work.
    public static func install() {
        for sig in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                let (exchanged, _) = Interruption.received.compareExchange(expected: 0, desired: sig, ordering: .relaxed)
                if !exchanged { _exit(128 + sig) }
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(sig, &action, nil)
        }
    }

    /// Whether a stop was asked for.
    public static var requested: Bool { received.load(ordering: .relaxed) != 0 }

    /// Prints the one line and returns the exit code to end with (128 + signal).
    public static func stop(_ line: String) -> ExitCode {
        let sig = received.load(ordering: .relaxed)
        printError("interrupted: " + line)
        return ExitCode(128 + (sig == 0 ? SIGINT : sig))
    }
}

/// Thrown at a safe point once a stop was asked for (see `Interruption`).
public struct Interrupted: Error {
    public init() {}
}
