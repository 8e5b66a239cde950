// How every command behaves as a program (issue 13, docs/cli.md): one error style
// (`warbler: FILE: cause`, never ArgumentParser's "Error:" nor Foundation's "The operation
// could not be completed"), the documented exit statuses, output folders made before any work,
// progress lines when standard error is not a terminal (WARBLER_PROGRESS_SECONDS), --quiet and
// --threads on the long commands.
import Foundation
import WarblerAudio
import WarblerIO
import XCTest

final class CLIBehaviourTests: CLITestCase {
    private func wav(_ name: String, seconds: Double = 3) throws -> String {
        let p = dir + "/" + name
        try AudioWriter.write(ExampleRecording.generate(seconds: seconds, sampleRate: 32_000), sampleRate: 32_000, to: p)
        return p
    }

    private func checkpoint() throws -> String {
        let p = dir + "/model.safetensors"
        let r = try CLI.run(["model", "init", "--arch", "warbler-small", "--classes", "3", "--gru-hidden", "8", "--seed", "5", "--out", p])
        XCTAssertEqual(r.status, 0, r.stderr)
        return p
    }

    /// Every line of `stderr` is ours: `warbler: ...`, or the usage hint ArgumentParser adds
    /// after a usage error; no system text.
    private func assertOneStyle(_ r: CLIResult, _ args: [String], file: StaticString = #filePath, line: UInt = #line) {
        let what = "warbler \(args.joined(separator: " ")):\n\(r.stderr)"
        XCTAssertFalse(r.stderr.isEmpty, what, file: file, line: line)
        for bad in ["Error:", "could not be completed", "NSCocoaErrorDomain", "NSPOSIXErrorDomain", "couldn’t", "doesn’t exist"] {
            XCTAssertFalse(r.stderr.contains(bad), "'\(bad)' in " + what, file: file, line: line)
        }
        let lines = r.stderr.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].hasPrefix("warbler: "), what, file: file, line: line)
        XCTAssertFalse(lines[0].hasPrefix("warbler: warbler:"), what, file: file, line: line)
        for l in lines.dropFirst() {
            XCTAssertTrue(
                l.hasPrefix("warbler: ") || l.hasPrefix("Usage: ") || l.hasPrefix("Help: ") || l.hasPrefix("  "), "line '\(l)' in " + what,
                file: file, line: line)
        }
    }

    /// Bad invocations of every command: one style, and the exit status of the table.
    func testErrorsHaveOneStyleAndTheDocumentedExitStatus() throws {
        let a = try wav("a.wav"), model = try checkpoint()
        let missing = dir + "/missing.wav"
        let plainFile = dir + "/plain-file"
        FileManager.default.createFile(atPath: plainFile, contents: Data("x".utf8))
        let truth = dir + "/truth.csv"
        try "row_id,birds\nr1,nocall\n".write(toFile: truth, atomically: true, encoding: .utf8)

        // (arguments, exit status, a text the error must contain)
        let cases: [([String], Int32, String)] = [
            // Inputs that cannot be read: 1, the file and a plain cause.
            (["info", missing], 1, "\(missing): "),
            (["spectrogram", missing, "--out", dir + "/m.npy"], 1, "\(missing): "),
            (
                ["predict", "--checkpoint", dir + "/missing.safetensors", a, "--out", dir + "/p.npz"], 1,
                "\(dir!)/missing.safetensors: no such file or folder"
            ),
            (["model", "summary", "--checkpoint", dir], 1, "\(dir!): is a folder, not a file"),
            (["evaluate", "--truth", dir + "/none.csv", "--pred", truth], 1, "none.csv"),
            (["train", "--manifest", dir + "/none", "--out", dir + "/run"], 1, "\(dir!)/none: no such file or folder"),
            (["detect", "--checkpoint", model, missing, "--out", dir + "/det"], 1, "\(missing): no such file"),
            // Outputs that cannot be written: 1, before any work.
            (["model", "init", "--out", plainFile + "/m.safetensors"], 1, "\(plainFile): is a file, not a folder"),
            (
                ["predict", "--checkpoint", model, a, "--out", plainFile + "/sub/p.npz"], 1,
                "\(plainFile)/sub: cannot be made: \(plainFile) is a file, not a folder"
            ),
            (["evaluate", "--truth", truth, "--pred", truth, "--json", dir], 1, "\(dir!): is a folder, not a file (--json names a file)"),
            (["synth", "example", "--out", plainFile + "/x.wav"], 1, "\(plainFile): is a file, not a folder"),
            (["spectrogram", a, "--out-dir", plainFile], 1, "\(plainFile): is a file, not a folder (--out-dir)"),
            (["detect", "--checkpoint", model, a, "--out", plainFile], 1, "\(plainFile): is a file, not a folder (--out)"),
            (["train", "--manifest", dir, "--out", plainFile], 1, "\(plainFile): is a file, not a folder (--out)"),
            // Usage errors: 64, with the usage hint.
            (["detect", "--checkpoint", model, a, "--out", dir + "/det", "--format", "kaleidoscope"], 64, "kaleidoscope"),
            (["detect", "--checkpoint", model, a, "--out", dir + "/det", "--threshold", "1.5"], 64, "--threshold must be in (0, 1], not 1.5."),
            (["evaluate", "--truth", truth, "--pred", truth, "--threshold", "1.5"], 64, "--threshold"),
            (["spectrogram", a, "--out", dir + "/x.txt"], 64, "--out must end in .npy"),
            (["info", "--no-such-option", a], 64, "--no-such-option"),
            (["model", "init"], 64, "--out"),
        ]
        for (args, status, text) in cases {
            let r = try CLI.run(args)
            XCTAssertEqual(r.status, status, "warbler \(args.joined(separator: " ")): \(r.stderr)")
            assertOneStyle(r, args)
            XCTAssertTrue(r.stderr.contains(text), "'\(text)' not in: \(r.stderr)")
            if status == 64 { XCTAssertTrue(r.stderr.contains("Usage: warbler"), r.stderr) }
        }
        // Nothing was made where it could not be.
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/p.npz"))
    }

    /// The table is in `warbler --help`, and help and success exit 0.
    func testHelpDocumentsTheExitStatuses() throws {
        let r = try CLI.run(["--help"])
        XCTAssertEqual(r.status, 0)
        // The help text is wrapped to the terminal's width.
        let help = r.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        for text in [
            "warbler: FILE: cause", "0 success", "1 some inputs failed", "3 outputs could not be written", "64 usage error",
            "130/143", "WARBLER_PROGRESS_SECONDS",
        ] {
            XCTAssertTrue(help.contains(text), "'\(text)' not in --help:\n\(r.stdout)")
        }
    }

    /// predict, detect and spectrogram share --device (and the model commands --bf16): the same
    /// values, the same refusals before any work.
    func testPredictTakesTheSharedDeviceOptions() throws {
        let checkpoint: String = dir + "/none.safetensors", wav: String = dir + "/a.wav"
        let predict: [String] = ["predict", "--checkpoint", checkpoint, wav, "--out", dir + "/p.npz"]
        let detect: [String] = ["detect", "--checkpoint", checkpoint, wav, "--out", dir + "/d"]
        for command in [predict, detect] {
            let bad = try CLI.run(command + ["--device", "tpu"])
            XCTAssertEqual(bad.status, 64, bad.stderr)
            XCTAssertTrue(bad.stderr.hasPrefix("warbler: --device must be cpu, cuda or cuda:N, not tpu."), bad.stderr)
            let gpuBF16 = try CLI.run(command + ["--device", "cuda", "--bf16"])
            XCTAssertEqual(gpuBF16.status, 64, gpuBF16.stderr)
            XCTAssertTrue(gpuBF16.stderr.hasPrefix("warbler: --bf16 is for the CPU"), gpuBF16.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/d"))
    }

    /// The timings and the batch export are `warbler-bench`'s, built beside `warbler` and not in
    /// it: `warbler` neither lists nor runs them; `warbler-bench` does, with the same error style.
    func testBenchIsASeparateTool() throws {
        let help = try CLI.run(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertFalse(help.stdout.contains("bench"), help.stdout)
        let bench = try CLI.run(["bench", "frontend", "--seconds", "1"])
        XCTAssertEqual(bench.status, 64, bench.stderr)
        XCTAssertTrue(bench.stderr.hasPrefix("warbler: the timing commands moved to warbler-bench"), bench.stderr)
        XCTAssertTrue(bench.stderr.contains("warbler-bench frontend --seconds 1"), bench.stderr)
        let export = try CLI.run(["train", "--manifest", dir, "--out", dir + "/r", "--export-batches", dir + "/b"])
        XCTAssertEqual(export.status, 64, export.stderr)
        XCTAssertTrue(export.stderr.hasPrefix("warbler: train --export-batches moved to warbler-bench"), export.stderr)

        let benchHelp = try CLI.run(["--help"], binary: CLI.benchBinary)
        XCTAssertEqual(benchHelp.status, 0, benchHelp.stderr)
        for command in ["frontend", "load", "engine", "model", "train-replay", "export-batches"] {
            XCTAssertTrue(benchHelp.stdout.contains(command), "\(command) not in warbler-bench --help:\n\(benchHelp.stdout)")
        }
        let badStage = try CLI.run(["frontend", "--seconds", "1", "--stage", "cepstrum"], binary: CLI.benchBinary)
        XCTAssertEqual(badStage.status, 64, badStage.stderr)
        XCTAssertTrue(badStage.stderr.hasPrefix("warbler: --stage must be spectrum, mel or output, not cepstrum."), badStage.stderr)
    }

    /// `spectrogram --out-dir` (and --out, --png) make missing folders, nested ones included.
    func testSpectrogramMakesItsOutputFolders() throws {
        let a = try wav("a.wav", seconds: 1), b = try wav("b.wav", seconds: 1)
        let nested = dir + "/x/y/z"
        let r = try CLI.run(["spectrogram", a, b, "--out-dir", nested, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: nested).sorted(), ["a.npy", "a.png", "b.npy", "b.png"])
        let one = try CLI.run(["spectrogram", a, "--out", dir + "/n/a.npy", "--png", dir + "/p/q/a.png", "--quiet"])
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/n/a.npy"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/p/q/a.png"))
        // predict, evaluate --json and model init make theirs too.
        let model = dir + "/models/new/m.safetensors"
        XCTAssertEqual(try CLI.run(["model", "init", "--classes", "3", "--gru-hidden", "8", "--out", model]).status, 0)
        let p = try CLI.run(["predict", "--checkpoint", model, a, b, "--out", dir + "/pred/out/p.npz", "--quiet"])
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/pred/out/p.npz"))
        let truth = dir + "/truth.csv"
        try "row_id,birds\nr1,nocall\n".write(toFile: truth, atomically: true, encoding: .utf8)
        let e = try CLI.run(["evaluate", "--truth", truth, "--pred", truth, "--json", dir + "/eval/r.json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/eval/r.json"))
    }

    /// With standard error not a terminal (a pipe here), progress is plain lines: files i/N, audio,
    /// speed and time left; --quiet prints none and no per-file lines, but still the errors.
    func testProgressLinesWhenNotATerminalAndQuiet() throws {
        let a = try wav("a.wav", seconds: 12), b = try wav("b.wav", seconds: 12)
        let model = try checkpoint()
        let every = ["WARBLER_PROGRESS_SECONDS": "0"]

        let s = try CLI.run(["spectrogram", a, b, "--out-dir", dir + "/s"], environment: every)
        XCTAssertEqual(s.status, 0, s.stderr)
        let sLines = s.stderr.split(separator: "\n").filter { $0.hasPrefix("spectrogram: ") }
        XCTAssertFalse(sLines.isEmpty, s.stderr)
        XCTAssertTrue(sLines.contains { $0.contains("0/2 files") }, s.stderr)
        XCTAssertTrue(sLines.contains { $0.contains("1/2 files") }, s.stderr)
        XCTAssertTrue(sLines.allSatisfy { $0.contains(" s of audio") && $0.contains("elapsed") }, s.stderr)
        XCTAssertTrue(sLines.contains { $0.contains("x real time") && $0.contains(" left") }, s.stderr)
        XCTAssertFalse(s.stderr.contains("\r"), "no bar outside a terminal")

        let d = try CLI.run(["detect", "--checkpoint", model, a, b, "--out", dir + "/d", "--format", "csv", "--no-report"], environment: every)
        XCTAssertEqual(d.status, 0, d.stderr)
        XCTAssertTrue(d.stderr.split(separator: "\n").contains { $0.hasPrefix("detect: 1/2 files, ") && $0.contains("of 24 s of audio") }, d.stderr)
        XCTAssertTrue(d.stdout.contains("\(a): "), d.stdout)

        let p = try CLI.run(["predict", "--checkpoint", model, a, b, "--out", dir + "/p.npz"], environment: every)
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertTrue(p.stderr.contains("predict: 1/2 files read"), p.stderr)
        // Both inputs are one batch: the line after it counts both.
        XCTAssertTrue(p.stderr.contains("predict: 2/2 files through the model"), p.stderr)

        // Lines come every WARBLER_PROGRESS_SECONDS seconds: none in a run shorter than that.
        let quick = try CLI.run(["spectrogram", a, b, "--out-dir", dir + "/hour"], environment: ["WARBLER_PROGRESS_SECONDS": "3600"])
        XCTAssertEqual(quick.status, 0, quick.stderr)
        XCTAssertEqual(quick.stderr, "")

        // --quiet: no progress, no per-file lines; errors still printed.
        let qs = try CLI.run(["spectrogram", a, dir + "/missing.wav", "--out-dir", dir + "/qs", "--quiet"], environment: every)
        XCTAssertEqual(qs.status, 1)
        XCTAssertEqual(qs.stdout, "")
        let qsLines = qs.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(qsLines.count, 2, qs.stderr)
        XCTAssertTrue(qsLines.first?.hasPrefix("warbler: \(dir!)/missing.wav: no such file") ?? false, qs.stderr)
        XCTAssertEqual(qsLines.last, "warbler: 1 of 2 inputs failed.")
        let qd = try CLI.run(
            ["detect", "--checkpoint", model, a, b, "--out", dir + "/qd", "--format", "csv", "--no-report", "--quiet"],
            environment: every)
        XCTAssertEqual(qd.status, 0, qd.stderr)
        XCTAssertEqual(qd.stderr, "")
        XCTAssertEqual(qd.stdout.split(separator: "\n").count, 1, "only the summary: \(qd.stdout)")
        let qp = try CLI.run(["predict", "--checkpoint", model, a, b, "--out", dir + "/qp.npz", "--quiet"], environment: every)
        XCTAssertEqual(qp.status, 0, qp.stderr)
        XCTAssertEqual(qp.stderr, "")
    }

    /// train's progress lines: epoch, step, examples/s and time left; none with --quiet.
    func testTrainProgressLines() throws {
        XCTAssertEqual(
            try CLI.run([
                "synth", "dataset", "--out", dir + "/data", "--species", "2", "--clips", "4", "--seconds", "2",
                "--format", "wav",
            ]).status, 0)
        func train(_ out: String, _ extra: [String]) throws -> CLIResult {
            try CLI.run(
                [
                    "train", "--manifest", dir + "/data/train.csv", "--audio-root", dir + "/data/train_audio", "--out", out,
                    "--epochs", "1", "--batch-size", "4", "--examples-per-epoch", "8", "--crop-seconds", "2", "--workers", "1",
                    "--cache", dir + "/cache",
                ] + extra, environment: ["WARBLER_PROGRESS_SECONDS": "0"])
        }
        let r = try train(dir + "/run", ["--threads", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("train: ") }
        XCTAssertTrue(
            lines.contains { $0.contains("epoch 1/1, step 1/2, loss ") && $0.contains("examples/s") && $0.contains(" left") },
            r.stderr)
        let q = try train(dir + "/quiet", ["--quiet"])
        XCTAssertEqual(q.status, 0, q.stderr)
        XCTAssertFalse(q.stderr.contains("train: "), q.stderr)
    }

    /// --threads is checked (1 to 256) on every long command, and the result does not depend on it.
    func testThreadsOption() throws {
        let a = try wav("a.wav", seconds: 4)
        let model: String = dir + "/m.safetensors"
        let commands: [[String]] = [
            ["spectrogram", a, "--out", dir + "/t.npy"],
            ["detect", "--checkpoint", model, a, "--out", dir + "/d"],
            ["predict", "--checkpoint", model, a, "--out", dir + "/p.npz"],
            ["train", "--manifest", dir, "--out", dir + "/run"],
        ]
        for command in commands {
            for bad in ["0", "257", "-1"] {
                let r = try CLI.run(command + ["--threads", bad])
                XCTAssertEqual(r.status, 64, "\(command[0]) --threads \(bad): \(r.stderr)")
                if bad != "-1" { XCTAssertTrue(r.stderr.hasPrefix("warbler: --threads must be 1 to 256, not \(bad)."), r.stderr) }
                XCTAssertFalse(r.stderr.contains("Error:"), r.stderr)
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/run"), "no work before the usage error")
        let one = try CLI.run(["spectrogram", a, "--out", dir + "/one.npy", "--threads", "1", "--n-fft", "256", "--hop-length", "32"])
        let four = try CLI.run(["spectrogram", a, "--out", dir + "/four.npy", "--threads", "4", "--n-fft", "256", "--hop-length", "32"])
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertEqual(four.status, 0, four.stderr)
        XCTAssertEqual(try NPY.read(dir + "/one.npy").floats(), try NPY.read(dir + "/four.npy").floats())
    }
}
