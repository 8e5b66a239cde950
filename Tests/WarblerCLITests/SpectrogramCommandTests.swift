// `warbler spectrogram`, `warbler info` and `warbler synth example` as a user runs them.
import Foundation
import WarblerAudio
import WarblerFeatures
import WarblerIO
import XCTest

final class SpectrogramCommandTests: CLITestCase {
    func example(_ name: String, seconds: Double = 2, sampleRate: Int = 44_100) throws -> String {
        let p = dir + "/" + name
        let r = try CLI.run(["synth", "example", "--out", p, "--seconds", "\(seconds)", "--sample-rate", "\(sampleRate)"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return p
    }

    /// The streamed .npy equals the in-memory front-end on the loaded audio, bit for bit, in
    /// librosa's [n_mels, frames] orientation; the PNG is a PNG.
    func testSpectrogramWritesNPYAndPNG() throws {
        let wav = try example("birds.wav", seconds: 25)
        let r = try CLI.run(["spectrogram", wav, "--out", dir + "/birds.npy", "--png", dir + "/birds.png", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let npy = try NPY.read(dir + "/birds.npy")
        let clip = try AudioLoader.load(wav)
        let reference = try FrontEnd(config: FrontEndConfig())(clip.samples)
        XCTAssertEqual(npy.shape, [128, reference.frameCount])
        XCTAssertEqual(npy.floats(), reference.binMajor())
        let png = try Data(contentsOf: URL(fileURLWithPath: dir + "/birds.png"))
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        XCTAssertEqual(files(), ["birds.npy", "birds.png", "birds.wav"], "no temporary files left behind")
    }

    /// top_db needs the whole recording's maximum: the CLI's second pass equals librosa's rule.
    func testTopDBAndFrontEndOptions() throws {
        let wav = try example("birds.wav", seconds: 3, sampleRate: 22_050)
        let r = try CLI.run([
            "spectrogram", wav, "--out", dir + "/a.npy", "--top-db", "40", "--n-mels", "64",
            "--pad-mode", "constant", "--mel-scale", "htk", "--mel-norm", "none", "--sample-rate", "16000",
            "--fmax", "8000", "--hop-length", "160", "--n-fft", "512",
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        var c = FrontEndConfig()
        c.sampleRate = 16_000; c.nFFT = 512; c.hopLength = 160; c.nMels = 64; c.fMax = 8000
        c.padMode = .constant; c.melScale = .htk; c.melNorm = .none; c.topDB = 40
        let reference = try FrontEnd(config: c)(AudioLoader.load(wav, config: AudioConfig(sampleRate: 16_000)).samples)
        let npy = try NPY.read(dir + "/a.npy")
        XCTAssertEqual(npy.shape, [64, reference.frameCount])
        XCTAssertEqual(npy.floats(), reference.binMajor())
    }

    /// Issue 16: the same command in fresh processes writes byte-identical .npy files. Each
    /// process gets its own empty cache and home folders, so nothing one run leaves behind (FFTW
    /// wisdom once lived there) can make the runs agree; the plan must not depend on timing.
    /// Two settings: the seed's (even n_fft, the complex half-size FFT) and an odd n_fft (r2c).
    func testFreshProcessesWriteByteIdenticalOutput() throws {
        let wav = try example("same.wav", seconds: 3, sampleRate: 32_000)
        for extra in [[String](), ["--n-fft", "1023", "--hop-length", "256"]] {
            var outputs: [Data] = []
            for run in 0..<5 {
                let home = dir + "/home\(run)"
                try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
                let out = dir + "/run\(run).npy"
                let r = try CLI.run(
                    ["spectrogram", wav, "--out", out, "--quiet"] + extra,
                    environment: ["HOME": home, "XDG_CACHE_HOME": home + "/cache", "WARBLER_CACHE_DIR": home + "/warbler"])
                XCTAssertEqual(r.status, 0, r.stderr)
                outputs.append(try Data(contentsOf: URL(fileURLWithPath: out)))
            }
            XCTAssertGreaterThan(outputs[0].count, 128 * 4 * 100)
            for (run, data) in outputs.enumerated() {
                XCTAssertEqual(data, outputs[0], "\(extra): run \(run) wrote different bytes from run 0")
            }
        }
    }

    func testBatchGoesOnPastBadFilesAndLeavesNothingHalfWritten() throws {
        let good1 = try example("one.wav", seconds: 1)
        let good2 = try example("two.flac", seconds: 1)
        let bad = dir + "/broken.wav"
        try "not audio".write(toFile: bad, atomically: false, encoding: .utf8)
        let empty = dir + "/empty.mp3"
        FileManager.default.createFile(atPath: empty, contents: Data())
        let out = dir + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let r = try CLI.run(["spectrogram", good1, bad, empty, dir + "/missing.ogg", good2, "--out-dir", out, "--quiet"])
        XCTAssertEqual(r.status, 1)
        let outputs = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        XCTAssertEqual(outputs, ["one.npy", "one.png", "two.npy", "two.png"])
        let lines = r.stderr.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.contains(bad) && $0.contains("not a recognised audio format") }, r.stderr)
        XCTAssertTrue(lines.contains { $0.contains(empty) && $0.contains("empty") }, r.stderr)
        XCTAssertTrue(lines.contains { $0.contains("missing.ogg") && $0.contains("no such file") }, r.stderr)
        XCTAssertTrue(lines.contains { $0.contains("3 of 5 inputs failed") }, r.stderr)
    }

    func testTruncatedInputLeavesNoOutput() throws {
        let wav = try example("cut.wav", seconds: 2)
        let data = try Data(contentsOf: URL(fileURLWithPath: wav))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: wav))
        let r = try CLI.run(["spectrogram", wav, "--out", dir + "/cut.npy", "--png", dir + "/cut.png"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains(wav) && r.stderr.contains("truncated"), r.stderr)
        XCTAssertEqual(files(), ["cut.wav"])
    }

    func testNonsensicalOptionsAreRejectedBeforeAnyWork() throws {
        let wav = try example("ok.wav", seconds: 0.5)
        let cases: [([String], String)] = [
            (["--fmax", "20000"], "--fmax"),
            (["--hop-length", "0"], "--hop-length"),
            (["--n-mels", "0"], "--n-mels"),
            (["--win-length", "4096"], "--win-length"),
            (["--sample-rate", "-5"], "--sample-rate"),
            (["--fmin", "15000"], "--fmin"),
        ]
        for (extra, option) in cases {
            let r = try CLI.run(["spectrogram", wav, "--out", dir + "/x.npy"] + extra)
            XCTAssertNotEqual(r.status, 0, "\(extra) accepted")
            XCTAssertTrue(r.stderr.contains(option), "\(extra): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.npy"))
        }
        // Without --fmax, a low target rate gets fmax = Nyquist instead of an error.
        let low = try CLI.run(["spectrogram", wav, "--out", dir + "/low.npy", "--sample-rate", "16000"])
        XCTAssertEqual(low.status, 0, low.stderr)
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: wav, toPath: dir + "/sub/ok.wav")
        let clash = try CLI.run(["spectrogram", wav, dir + "/sub/ok.wav", "--out-dir", dir])
        XCTAssertNotEqual(clash.status, 0)
        XCTAssertTrue(clash.stderr.contains("'ok'"), clash.stderr)
        let noOutput = try CLI.run(["spectrogram", wav])
        XCTAssertNotEqual(noOutput.status, 0)
        XCTAssertTrue(noOutput.stderr.contains("nothing to write"), noOutput.stderr)
    }

    func testInfoReportsEveryFileAndFailsOnlyForTheBadOnes() throws {
        let wav = try example("a.wav", seconds: 1.5, sampleRate: 48_000)
        let r = try CLI.run(["info", wav, dir + "/nope.flac", "--json"])
        XCTAssertEqual(r.status, 1)
        let line = try XCTUnwrap(r.stdout.split(separator: "\n").first)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(obj["sampleRate"] as? Int, 48_000)
        XCTAssertEqual(obj["channels"] as? Int, 1)
        XCTAssertEqual(obj["frames"] as? Int, 72_000)
        XCTAssertEqual(obj["duration"] as? Double, 1.5)
        XCTAssertTrue((obj["format"] as? String)?.contains("WAV") ?? false)
        XCTAssertTrue(r.stderr.contains("nope.flac: no such file"), r.stderr)
        let text = try CLI.run(["info", wav])
        XCTAssertEqual(text.status, 0)
        for field in ["format:", "rate:     48000 Hz", "channels: 1", "duration: 1.50 s", "frames:   72000"] {
            XCTAssertTrue(text.stdout.contains(field), "missing \(field) in \(text.stdout)")
        }
    }
}
