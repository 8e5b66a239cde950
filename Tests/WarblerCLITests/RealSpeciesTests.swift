// The test that would have caught issue 11: `warbler train` with its defaults (only the budget
// cut to fit a test) on real recordings of three species from birds5, then `warbler detect` on
// held-out calls of those species mixed into field noise (pink noise plus gusty wind) and on
// noise alone. The noise must not be labelled; the held-out calls must be found.
//
// The recordings are read from birds5 (never copied into the repository): $WARBLER_BIRDS5, else
// ../shared/data/birds5 beside the package. Without them the test is skipped, saying where it
// looked (XCTSkip shows in the test log).
import Foundation
import WarblerAudio
import WarblerTraining
import XCTest

final class RealSpeciesTests: CLITestCase {
    /// The birds5 folder, or a skip naming the places looked at.
    private func birds5() throws -> String {
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            ProcessInfo.processInfo.environment["WARBLER_BIRDS5"],
            package.deletingLastPathComponent().appendingPathComponent("shared/data/birds5").path,
        ].compactMap { $0 }
        for c in candidates where FileManager.default.fileExists(atPath: c + "/train.csv") { return c }
        throw XCTSkip("birds5 recordings not found (looked in \(candidates.joined(separator: ", "))); set WARBLER_BIRDS5")
    }

    private func ok(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        let r = try CLI.run(args)
        XCTAssertEqual(r.status, 0, "warbler \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
        return r
    }

    func testDefaultsIgnoreFieldNoiseAndFindHeldOutCalls() throws {
        let source = try birds5()
        let rate = 32_000
        // Three species; one whole file of great_tit and java_sparrow held out, and the last
        // 30 % of each storm_petrel file (the class has two files).
        let species: [(label: String, files: [String], heldOutFiles: Int)] = [
            (
                "great_tit",
                [
                    "2021-B32-0415_05-15", "2021-B32-0415_05-21", "2021-B32-0415_05-23", "2021-SW83-0418_04-78",
                    "2021-SW83-0418_04-80", "2021-B32-0416_04-21",
                ], 1
            ),
            ("java_sparrow", ["1411", "1611", "1811", "1911", "2051"], 1),
            ("storm_petrel", ["XC46092_first65", "XC663885_first65"], 0),
        ]
        let data = dir + "/data"
        var rows = ["primary_label,secondary_labels,filename"]
        var heldOut: [String: [Float]] = [:]
        for s in species {
            try FileManager.default.createDirectory(atPath: "\(data)/train_audio/\(s.label)", withIntermediateDirectories: true)
            for (i, name) in s.files.enumerated() {
                let clip = try AudioLoader.load("\(source)/train_audio/\(s.label)/\(name).wav", config: AudioConfig(sampleRate: rate))
                var train = clip.samples
                if i < s.heldOutFiles {
                    heldOut[s.label] = clip.samples
                    continue
                }
                if s.heldOutFiles == 0 {
                    let cut = clip.samples.count * 7 / 10
                    train = Array(clip.samples[..<cut])
                    if heldOut[s.label] == nil { heldOut[s.label] = Array(clip.samples[cut...]) }
                }
                try AudioWriter.write(train, sampleRate: rate, to: "\(data)/train_audio/\(s.label)/\(name).wav")
                rows.append("\(s.label),[],\(s.label)/\(name).wav")
            }
        }
        try (rows.joined(separator: "\n") + "\n").write(toFile: data + "/train.csv", atomically: true, encoding: .utf8)

        // The defaults, with the budget cut from 10 x 1024 to 5 x 512 examples to fit a test.
        let run = dir + "/run"
        _ = try ok([
            "train", "--manifest", data + "/train.csv", "--audio-root", data + "/train_audio", "--out", run,
            "--epochs", "5", "--examples-per-epoch", "512",
        ])

        // A 30-s soundscape: rows 1, 3, 5 each hold one held-out call (at most 4 s of it) at 15 dB
        // above 1 kHz in field noise; rows 0, 2, 4 hold noise alone. A second 20-s recording is
        // noise alone (gusts included).
        let scapes = dir + "/scapes"
        try FileManager.default.createDirectory(atPath: scapes, withIntermediateDirectories: true)
        var rng = SplitMix64(seed: 11)
        let row = 5 * rate
        var scape = ColoredNoise.field(count: 6 * row, sampleRate: rate, rng: &rng)
        let order = ["great_tit", "java_sparrow", "storm_petrel"]
        for (k, label) in order.enumerated() {
            let call = Array(heldOut[label]!.prefix(4 * rate))
            let start = (2 * k + 1) * row + (row - call.count) / 2
            var window = [Float](repeating: 0, count: row)
            let noiseWindow = Array(scape[(2 * k + 1) * row..<(2 * k + 2) * row])
            for i in call.indices { window[start - (2 * k + 1) * row + i] = call[i] }
            // The call scaled to 15 dB above the noise, both measured above 1 kHz over the call's span.
            let callLevel = Waveform.activeRMS(HighPass.filtered(window, cutoff: 1000, sampleRate: rate), support: window)
            let noiseLevel = Waveform.rms(HighPass.filtered(noiseWindow, cutoff: 1000, sampleRate: rate))
            let g = Float(noiseLevel * pow(10, 15.0 / 20) / callLevel)
            for i in 0..<row { scape[(2 * k + 1) * row + i] = noiseWindow[i] + g * window[i] }
        }
        let quiet = Float(0.02) / Float(Waveform.rms(scape))
        try AudioWriter.write(scape.map { $0 * quiet }, sampleRate: rate, to: scapes + "/calls.wav")
        let noise = ColoredNoise.field(count: 4 * row, sampleRate: rate, rng: &rng)
        try AudioWriter.write(noise.map { $0 * 0.02 }, sampleRate: rate, to: scapes + "/noise.wav")

        let out = dir + "/out"
        _ = try ok(["detect", "--checkpoint", run + "/best.safetensors", scapes, "--out", out, "--format", "cornell,csv", "--no-report"])
        let scores = (try? String(contentsOfFile: out + "/scores.csv", encoding: .utf8)) ?? ""
        print("RealSpeciesTests: detection scores per 5-s row\n\(scores)")
        let lines = try String(contentsOfFile: out + "/cornell.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        var birds: [String: Set<String>] = [:]
        for line in lines {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            birds[cells[0]] = Set(cells[1].split(separator: " ").map(String.init)).subtracting(["nocall"])
        }
        let noiseRows = ["calls_5", "calls_15", "calls_25", "noise_5", "noise_10", "noise_15", "noise_20"]
        for id in noiseRows {
            XCTAssertEqual(birds[id], [], "row \(id) holds only noise but was labelled \(birds[id].map { $0.sorted() } ?? [])")
        }
        let found = zip(["calls_10", "calls_20", "calls_30"], order).filter { birds[$0.0]?.contains($0.1) == true }
        XCTAssertGreaterThanOrEqual(found.count, 2, "held-out calls found: \(found.map(\.1)); scores:\n\(scores)")
    }
}
