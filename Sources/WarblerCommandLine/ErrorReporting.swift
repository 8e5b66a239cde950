// Where every error of a Warbler command-line tool ends (`exit(reporting:)`): one line
// `warbler: FILE: cause` on standard error and the documented exit status (ExitStatus.swift,
// docs/cli.md). `main()` parses the command line, runs the command and reports its error.
import ArgumentParser
import Foundation
import WarblerCUDA
import WarblerIO

extension ParsableCommand {
    /// Runs a Warbler tool: the thread policy and line-buffered output first, the CUDA backend
    /// registered (nothing is loaded until a CUDA device is asked for, so that
    /// `Backends.backend(for: .cuda(i))` works in every command), then the command line.
    public static func runReportingErrors() {
        ThreadPolicy.applyShortOpenMPSpin()
        lineBufferStandardOutput()
        CUDABackend.register()
        do {
            var command = try parseAsRoot(nil)
            try command.run()
        } catch {
            exit(reporting: error)
        }
    }

    /// The one place a command's error becomes output and an exit status: help and version go to
    /// standard output (0); a usage error gets ArgumentParser's message and usage hint (64); an
    /// `ExitCode` was reported by the command already; anything else is one line,
    /// `warbler: FILE: cause`, and exit 1.
    public static func exit(reporting error: Error) -> Never {
        if let code = error as? ExitCode { Foundation.exit(code.rawValue) }
        let parserCode = exitCode(for: error)
        if parserCode == .success || parserCode == .validationFailure { exit(withError: error) }
        printError(describe(error))
        Foundation.exit(ExitStatus.failure)
    }
}

/// Prints one line to standard error (`warbler: ` and the message), clearing a progress bar first.
public func printError(_ message: String) {
    ProgressLine.clearBar()
    FileHandle.standardError.write(Data(("warbler: " + message + "\n").utf8))
}

/// The error text for any thrown error (`ErrorText`): our own errors already name the file and
/// the cause; Foundation's file errors become "PATH: plain cause".
public func describe(_ error: Error) -> String { ErrorText.describe(error) }

/// The error text for a failure while processing `file`, starting with the file's name
/// (a front-end or model error does not know which recording it was working on).
public func describe(_ error: Error, file: String) -> String { ErrorText.describe(error, file: file) }

/// Thrown after a batch in which some inputs failed (each already reported).
public struct BatchFailure: Error, CustomStringConvertible {
    public let failed: Int
    public let total: Int
    public init(failed: Int, total: Int) { (self.failed, self.total) = (failed, total) }
    public var description: String { "\(failed) of \(total) input\(total == 1 ? "" : "s") failed." }
}
