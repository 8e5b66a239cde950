// Issue 12, part A, as a user meets it: damaged or hostile inputs built on the fly give one
// line naming the file and the cause, the rest of the batch is processed, the exit status is
// non-zero, and nothing half-written (.tmp-*) is left behind.
import Foundation
import WarblerAudio
import XCTest

final class InputValidationCLITests: CLITestCase {
    func wav(_ name: String, seconds: Double = 2, sampleRate: Int = 32_000) throws -> String {
        let p = dir + "/" + name
        try AudioWriter.write(ExampleRecording.generate(seconds: seconds, sampleRate: sampleRate), sampleRate: sampleRate, to: p)
        return p
    }

    func truncatedOgg(_ name: String) throws -> String {
        let p = dir + "/" + name
        try AudioWriter.write(ExampleRecording.generate(seconds: 2, sampleRate: 32_000), sampleRate: 32_000, to: p)
        let data = try Data(contentsOf: URL(fileURLWithPath: p))
        try data.prefix(data.count - 10).write(to: URL(fileURLWithPath: p))
        return p
    }

    func nanWav(_ name: String) throws -> String {
        var samples = ExampleRecording.generate(seconds: 2, sampleRate: 32_000)
        samples[1000] = .nan
        let p = dir + "/" + name
        try AudioWriter.write(samples, sampleRate: 32_000, to: p, encoding: .float32)
        return p
    }

    func leftovers(_ folder: String) -> [String] {
        (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).filter { $0.contains(".tmp-") }
    }

    func checkpoint() throws -> String {
        let p = dir + "/model.safetensors"
        let r = try CLI.run(["model", "init", "--arch", "warbler-small", "--classes", "3", "--gru-hidden", "8", "--seed", "5", "--out", p])
        XCTAssertEqual(r.status, 0, r.stderr)
        return p
    }

    /// A truncated Ogg used to trap ("Double value cannot be converted to Int") and stop the batch.
    func testTruncatedOggAndNaNAudioInASpectrogramBatch() throws {
        let a = try wav("a.wav"), cut = try truncatedOgg("cut.ogg"), nan = try nanWav("nan.wav"), b = try wav("b.wav")
        let out = dir + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let r = try CLI.run(["spectrogram", a, cut, nan, b, "--out-dir", out, "--no-png", "--quiet"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("warbler: \(cut): the file is truncated"), r.stderr)
        XCTAssertTrue(r.stderr.contains("warbler: \(nan): the audio contains NaN or infinite samples"), r.stderr)
        XCTAssertTrue(r.stderr.contains("2 of 4 inputs failed"), r.stderr)
        XCTAssertEqual(((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).sorted(), ["a.npy", "b.npy"])
        XCTAssertEqual(leftovers(out), [])
        let info = try CLI.run(["info", cut, a])
        XCTAssertEqual(info.status, 1)
        XCTAssertTrue(info.stderr.contains("\(cut): the file is truncated"), info.stderr)
        XCTAssertFalse(info.stdout.contains("duration: -"), "no negative duration: \(info.stdout)")
        XCTAssertTrue(info.stdout.contains("duration: 2.00 s"), info.stdout)
    }

    func testOneSampleFileIsNamedInTheError() throws {
        let one = dir + "/one.wav"
        try AudioWriter.write([0.5], sampleRate: 32_000, to: one)
        let r = try CLI.run(["spectrogram", one, "--out", dir + "/one.npy", "--quiet"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("warbler: \(one): --pad-mode: reflect padding needs at least 2 samples"), r.stderr)
        XCTAssertEqual(leftovers(dir), [])
    }

    func testUnboundedOptionsAreUsageErrors() throws {
        let a = try wav("a.wav", seconds: 0.5)
        for (extra, option) in [
            (["--n-fft", "1073741824"], "--n-fft"), (["--n-mels", "1000000"], "--n-mels"),
            (["--sample-rate", "2000000000"], "--sample-rate"), (["--hop-length", "1000000000"], "--hop-length"),
            (["--sample-rate", "1"], "--sample-rate"), (["--fmax", "1e30"], "--fmax"),
            (["--fmax", "inf"], "--fmax"),
        ] {
            let r = try CLI.run(["spectrogram", a, "--out", dir + "/x.npy"] + extra)
            XCTAssertEqual(r.status, 64, "\(extra): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(option), "\(extra): \(r.stderr)")
        }
        for extra in [
            ["--window", "1e9"], ["--hop", "0.000001"], ["--window", "0.00001"], ["--batch", "100000000"],
            ["--format", "kaleidoscope"], ["--format", ","], ["--threshold", "1.5"],
        ] {
            let r = try CLI.run(["detect", "--checkpoint", dir + "/none.safetensors", a, "--out", dir + "/det"] + extra)
            XCTAssertEqual(r.status, 64, "\(extra): \(r.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.npy"))
        // A leading dash is an unknown option, not a request for help.
        let dash = try CLI.run(["info", "-x.wav"])
        XCTAssertNotEqual(dash.status, 0, dash.stdout + dash.stderr)
    }

    func testDetectSkipsMissingInputsAndChecksItsOutputFolder() throws {
        let model = try checkpoint()
        let a = try wav("a.wav", seconds: 6)
        let out = dir + "/det"
        let r = try CLI.run(["detect", "--checkpoint", model, dir + "/missing.wav", a, "--out", out, "--format", "csv"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("\(dir!)/missing.wav: no such file"), "\(dir!): " + r.stderr)
        XCTAssertTrue(r.stdout.contains("\(a): "), r.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/scores.csv"))
        XCTAssertTrue(r.stderr.contains("1 of 2 inputs failed"), r.stderr)

        // Every input failing: each named, the report still written, no spurious error.
        let nan = try nanWav("nan.wav"), cut = try truncatedOgg("cut.ogg")
        let all = try CLI.run(["detect", "--checkpoint", model, nan, cut, "--out", dir + "/det2"])
        XCTAssertEqual(all.status, 1, all.stderr)
        XCTAssertTrue(all.stderr.contains("\(nan): the audio contains NaN or infinite samples"), all.stderr)
        XCTAssertTrue(all.stderr.contains("\(cut): the file is truncated"), all.stderr)
        XCTAssertFalse(all.stderr.contains("does not exist"), all.stderr)
        XCTAssertFalse(all.stderr.contains("index.html"), all.stderr)

        let file = dir + "/plain-file"
        FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        let onFile = try CLI.run(["detect", "--checkpoint", model, a, "--out", file])
        XCTAssertEqual(onFile.status, 1)
        XCTAssertEqual(onFile.stderr, "warbler: \(file): is a file, not a folder (--out)\n")
        if getuid() != 0 {
            let locked = dir + "/locked"
            try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: true)
            chmod(locked, 0o555)
            defer { chmod(locked, 0o755) }
            let ro = try CLI.run(["detect", "--checkpoint", model, a, "--out", locked])
            XCTAssertEqual(ro.stderr, "warbler: \(locked): cannot write into this folder: permission denied\n")
        }
        XCTAssertFalse(onFile.stderr.contains("NSCocoaErrorDomain"))
    }

    func testPredictRefusesNonFiniteAudio() throws {
        let model = try checkpoint()
        let nan = try nanWav("nan.wav")
        let r = try CLI.run(["predict", "--checkpoint", model, nan, "--out", dir + "/p.npz"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("\(nan): the audio contains NaN or infinite samples"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/p.npz"))
    }

    func testEvaluateRefusesMissingDuplicatedAndEmptyTables() throws {
        func write(_ name: String, _ text: String) throws -> String {
            let p = dir + "/" + name
            try text.write(toFile: p, atomically: true, encoding: .utf8)
            return p
        }
        let truth = try write("truth.csv", "row_id,birds\nr_5,amerob\nr_10,norcar\n")
        let missing = try write("missing.csv", "row_id,amerob\nr_5,0.9\nr_10,0.1\n")
        let twice = try write("twice.csv", "row_id,amerob,amerob,norcar\nr_5,0.9,0.1,0\nr_10,0.1,0.9,1\n")
        let empty = try write("empty.csv", "")
        for (pred, words) in [(missing, "no score column for class 'norcar'"), (twice, "appears more than once"), (empty, "empty")] {
            let r = try CLI.run(["evaluate", "--truth", truth, "--pred", pred])
            XCTAssertEqual(r.status, 1, "\(pred): \(r.stdout)")
            XCTAssertTrue(r.stderr.hasPrefix("warbler: \(pred): "), r.stderr)
            XCTAssertTrue(r.stderr.contains(words), r.stderr)
        }
        let r = try CLI.run(["evaluate", "--truth", empty, "--pred", truth])
        XCTAssertEqual(r.status, 1, r.stdout)
    }
}
