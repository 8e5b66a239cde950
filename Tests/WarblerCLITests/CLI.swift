// Running the `warbler` (and `warbler-bench`) binaries that `swift build` put next to the test bundle.
import Foundation
import XCTest

struct CLIResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

enum CLI {
    static var binary: String { built("warbler") }

    /// `warbler-bench`, the benchmarking tool built beside `warbler` (not part of it).
    static var benchBinary: String { built("warbler-bench") }

    static func built(_ name: String) -> String {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent(), Bundle.main.bundleURL] {
            let p = candidate.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return dir.appendingPathComponent(name).path
    }

    /// `warbler-bench export-batches` with the options of a `warbler train` command line
    /// (`train` first), writing into `folder`.
    static func exportBatchesArguments(_ train: [String], to folder: String) -> [String] {
        precondition(train.first == "train", "not a train command line: \(train)")
        return ["export-batches"] + train.dropFirst() + ["--batches", folder]
    }

    /// Runs warbler (or `binary`) with `arguments` (in `directory` when given, else the test's
    /// working folder); `environment` entries are added to (or replace) the test's own, and the
    /// variables named in `unset` are removed from it.
    static func run(
        _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], unset: [String] = [],
        binary: String = CLI.binary
    ) throws -> CLIResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if !environment.isEmpty || !unset.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }.filter { !unset.contains($0.key) }
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIResult(
            status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self))
    }
}

/// A scratch directory per test.
class CLITestCase: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "warbler-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: CLI.binary), "warbler binary not found at \(CLI.binary)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    func files() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }
}
