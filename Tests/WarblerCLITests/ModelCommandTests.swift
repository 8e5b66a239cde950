// `warbler model init`, `warbler model summary` and `warbler predict` as a user runs them: the
// checkpoint rebuilds the same model in-process, the summary's parameter count equals timm's
// backbone plus the GRU and head formulas, predictions equal the in-process model on the same
// log-mel, audio goes through the front-end, and bad inputs fail with one sentence naming the
// file and leave no output behind.
import Foundation
import WarblerAudio
import WarblerFeatures
import WarblerIO
import WarblerModels
import WarblerNN
import WarblerTensor
import WarblerTestSupport
import XCTest

final class ModelCommandTests: CLITestCase {
    /// A resnest14d SED with 3 classes and a GRU of 8, written by `model init`.
    func checkpoint(_ name: String = "m.safetensors") throws -> String {
        let p = dir + "/" + name
        let r = try CLI.run(["model", "init", "--arch", "resnest14d", "--classes", "3", "--gru-hidden", "8", "--seed", "7", "--out", p])
        XCTAssertEqual(r.status, 0, r.stderr)
        return p
    }

    func logMel(_ name: String, mels: Int, frames: Int, seed: UInt64) throws -> (String, [Float]) {
        var rng = SeededGenerator(seed: seed)
        let values = (0..<(mels * frames)).map { _ in Float.random(in: -80...0, using: &rng) }
        let p = dir + "/" + name
        try NPY.write(values, shape: [mels, frames], to: p)
        return (p, values)
    }

    func testInitWritesACheckpointThatRebuildsTheModel() throws {
        let p = try checkpoint()
        let model = try SEDModel(checkpoint: p)
        XCTAssertEqual(model.config.arch, "resnest14d")
        XCTAssertEqual(model.config.classes, 3)
        XCTAssertEqual(model.config.gruHidden, 8)
        XCTAssertEqual(model.head.cla.weight.shape, [3, 16, 1])
        XCTAssertEqual(files(), ["m.safetensors"], "no temporary files left behind")
        let bad = try CLI.run(["model", "init", "--arch", "resnet18", "--out", dir + "/x.safetensors"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("resnet18"), bad.stderr)
        XCTAssertEqual(files(), ["m.safetensors"])
    }

    /// A timm-style state dict (3-channel stem, classifier keys) starts the backbone: the stem is
    /// summed over its input channels, everything else copied; a mismatching one is refused.
    func testInitFromTimmBackboneWeights() throws {
        var rng = SeededGenerator(seed: 5)
        let source = try ResNeSt(config: XCTUnwrap(ResNeStConfig.named("resnest14d", inChannels: 3)), generator: &rng)
        var sd = source.stateDict()
        sd["fc.weight"] = try Tensor.zeros([10, 2048])
        sd["fc.bias"] = try Tensor.zeros([10])
        let weights = dir + "/timm.safetensors"
        try SafeTensors.write(sd, to: weights)
        let out = dir + "/m.safetensors"
        let r = try CLI.run([
            "model", "init", "--arch", "resnest14d", "--classes", "3", "--gru-hidden", "8",
            "--backbone-weights", weights, "--out", out,
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let loaded = try SEDModel(checkpoint: out).backbone.stateDict()
        XCTAssertEqual(loaded["conv1.0.weight"]?.toArray(), try sd["conv1.0.weight"]!.sum(axes: [1], keepingDims: true).toArray())
        XCTAssertEqual(loaded["layer4.0.conv2.fc1.weight"]?.toArray(), sd["layer4.0.conv2.fc1.weight"]?.toArray())
        XCTAssertEqual(loaded["layer2.0.bn3.running_var"]?.toArray(), sd["layer2.0.bn3.running_var"]?.toArray())
        let bad = try CLI.run(["model", "init", "--arch", "resnest26d", "--backbone-weights", weights, "--out", dir + "/x.safetensors"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("timm.safetensors") && bad.stderr.contains("resnest26d"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x.safetensors"))
    }

    func testSummaryCountsTimmsParametersAndFLOPs() throws {
        let r = try CLI.run(["model", "summary", "--arch", "resnest50d", "--classes", "24", "--gru-hidden", "256"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let keys = try Fixtures.json("models/keys.json", script: "models.py") as! [String: Any]
        let backbone = (keys["resnest50d"] as! [String: Any])["parameters"] as! Int
        let (i, h, k) = (2048, 256, 24)
        let gru = 2 * (3 * h * i + 3 * h * h + 6 * h)
        let head = 2 * (k * 2 * h + k)
        XCTAssertTrue(r.stdout.contains("total: \(backbone + gru + head) parameters"), r.stdout)
        XCTAssertTrue(r.stdout.contains("backbone.layer4.2"), r.stdout)
        XCTAssertTrue(r.stdout.contains("[1, 16, 512]"), "GRU output for 501 frames: 16 steps\n\(r.stdout)")
        // timm's resnest50d is 5.4 GMACs at 224 x 224; the backbone scales with the pixel count.
        let gflops = try XCTUnwrap(
            r.stdout.split(separator: "\n").last.flatMap { line in
                line.split(separator: " ").firstIndex(of: "GFLOPs").map { Double(line.split(separator: " ")[$0 - 1])! }
            })
        XCTAssertEqual(gflops, 2 * 5.4 * (501.0 * 128) / (224 * 224), accuracy: 0.6)
        let fromCheckpoint = try CLI.run(["model", "summary", "--checkpoint", try checkpoint(), "--frames", "64", "--mels", "64"])
        XCTAssertEqual(fromCheckpoint.status, 0, fromCheckpoint.stderr)
        XCTAssertTrue(fromCheckpoint.stdout.contains("input [1, 1, 64, 64]"), fromCheckpoint.stdout)
    }

    func testModelDefaultsDescribeWhatTrainBuilds() throws {
        // `train` with no --arch/--gru-hidden builds warbler-small with a GRU of 64 (issue 13:
        // `model summary --arch warbler-small` used to report a GRU of 256, 1.76 M parameters).
        let r = try CLI.run(["model", "summary", "--classes", "5"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("warbler-small: warbler-small, 5 classes, GRU 1 x 64"), r.stdout)
        let trained = try SEDModel(config: SEDConfig(arch: "warbler-small", classes: 5, gruHidden: 64))
        let count = trained.parameterTensors().reduce(0) { $0 + $1.count }
        XCTAssertTrue(r.stdout.contains("total: \(count) parameters"), r.stdout)
        XCTAssertLessThan(count, 1_000_000)
        let base = try CLI.run(["model", "summary", "--arch", "warbler-base", "--classes", "5"])
        XCTAssertTrue(base.stdout.contains("GRU 1 x 128"), base.stdout)
    }

    func testSynthExampleMakesItsFolder() throws {
        let wav = dir + "/new/deeper/x.wav"
        let r = try CLI.run(["synth", "example", "--out", wav, "--seconds", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try AudioLoader.load(wav).samples.count, 32_000, "1 s at the default 32 kHz")
        try Data().write(to: URL(fileURLWithPath: dir + "/file"))
        let bad = try CLI.run(["synth", "example", "--out", dir + "/file/x.wav", "--seconds", "1"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("x.wav"), bad.stderr)
    }

    /// The model run on one clip at a time in-process: clipwise and framewise, concatenated.
    func oneAtATime(_ ckpt: String, _ clips: [(values: [Float], mels: Int, frames: Int)]) throws -> (clip: [Float], frame: [Float]) {
        let model = try SEDModel(checkpoint: ckpt)
        var clip: [Float] = [], frame: [Float] = []
        for c in clips {
            let x = try Tensor(c.values, shape: [c.mels, c.frames]).transposed(0, 1).reshaped(1, 1, c.frames, c.mels)
            let y = try GradMode.withoutGradients { try model(x) }
            clip += y.clipwise.toArray()
            frame += y.framewise.toArray()
        }
        return (clip, frame)
    }

    func testPredictOnLogMelsEqualsTheModel() throws {
        let ckpt = try checkpoint()
        let (a, va) = try logMel("a.npy", mels: 64, frames: 80, seed: 1)
        let (b, vb) = try logMel("b.npy", mels: 64, frames: 80, seed: 2)
        let (clip, frame) = try oneAtATime(ckpt, [(va, 64, 80), (vb, 64, 80)])
        // --batch 1 runs the clips one at a time, exactly as the in-process model does.
        let single = dir + "/single.npz"
        let s = try CLI.run(["predict", "--checkpoint", ckpt, a, b, "--out", single, "--batch", "1"])
        XCTAssertEqual(s.status, 0, s.stderr)
        let sz = try NPZ.read(single)
        XCTAssertEqual(sz["clipwise"]?.floats(), clip)
        XCTAssertEqual(sz["framewise"]?.floats(), frame)
        // The default batches both clips into one model call: equal up to float32 rounding.
        let out = dir + "/pred.npz"
        let r = try CLI.run(["predict", "--checkpoint", ckpt, a, b, "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let npz = try NPZ.read(out)
        XCTAssertEqual(npz["clipwise"]?.shape, [2, 3])
        XCTAssertEqual(npz["framewise"]?.shape, [2, 80, 3])
        for (name, reference) in [("clipwise", clip), ("framewise", frame)] {
            let d = compare(npz[name]?.floats() ?? [], reference, atol: 1e-6, rtol: 1e-5)
            XCTAssertEqual(d.violations, 0, "\(name) batched vs one at a time: \(d)")
        }
        XCTAssertTrue((npz["clipwise"]?.floats() ?? []).allSatisfy { $0 > 0 && $0 < 1 })

        // Folded batch norms: the same probabilities up to float32 rounding.
        let folded = dir + "/folded.npz"
        let f = try CLI.run(["predict", "--checkpoint", ckpt, a, b, "--out", folded, "--fold-batch-norm"])
        XCTAssertEqual(f.status, 0, f.stderr)
        let fz = try NPZ.read(folded)
        for name in ["clipwise", "framewise"] {
            let d = compare(fz[name]?.floats() ?? [], npz[name]!.floats(), atol: 1e-5, rtol: 1e-4)
            XCTAssertEqual(d.violations, 0, "\(name) folded: \(d)")
        }
    }

    /// Inputs of two sizes, batches of 2: five clips in three model calls (c0 + c2, c4, c1 + c3);
    /// every clip's scores equal the model on that clip alone (float32 rounding), in command-line
    /// order, with one framewise array per input since the frame counts differ.
    func testPredictBatchesInputsOfEachSizeTogether() throws {
        let ckpt = try checkpoint()
        let sizes = [(64, 80), (64, 96), (64, 80), (64, 96), (64, 80)]
        var paths: [String] = [], clips: [(values: [Float], mels: Int, frames: Int)] = []
        for (i, (mels, frames)) in sizes.enumerated() {
            let (p, v) = try logMel("c\(i).npy", mels: mels, frames: frames, seed: UInt64(10 + i))
            paths.append(p)
            clips.append((v, mels, frames))
        }
        let out = dir + "/mixed.npz"
        let r = try CLI.run(["predict", "--checkpoint", ckpt] + paths + ["--out", out, "--batch", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let npz = try NPZ.read(out)
        XCTAssertEqual(npz["clipwise"]?.shape, [5, 3])
        XCTAssertNil(npz["framewise"], "no common framewise array for inputs of different lengths")
        let (clip, _) = try oneAtATime(ckpt, clips)
        let d = compare(npz["clipwise"]?.floats() ?? [], clip, atol: 1e-6, rtol: 1e-5)
        XCTAssertEqual(d.violations, 0, "clipwise: \(d)")
        for (i, c) in clips.enumerated() {
            let (_, frame) = try oneAtATime(ckpt, [c])
            XCTAssertEqual(npz["framewise_\(i)"]?.shape, [c.frames, 3])
            let f = compare(npz["framewise_\(i)"]?.floats() ?? [], frame, atol: 1e-6, rtol: 1e-5)
            XCTAssertEqual(f.violations, 0, "framewise_\(i): \(f)")
        }
        let bad = try CLI.run(["predict", "--checkpoint", ckpt, paths[0], "--out", out, "--batch", "0"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--batch"), bad.stderr)
    }

    func testPredictOnAudioUsesTheFrontEnd() throws {
        let ckpt = try checkpoint()
        let wav = dir + "/birds.wav"
        let s = try CLI.run(["synth", "example", "--out", wav, "--seconds", "2"])
        XCTAssertEqual(s.status, 0, s.stderr)
        let out = dir + "/pred.npz"
        let r = try CLI.run(["predict", "--checkpoint", ckpt, wav, "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let clip = try AudioLoader.load(wav)
        let mel = try FrontEnd(config: FrontEndConfig())(clip.samples)
        let npz = try NPZ.read(out)
        XCTAssertEqual(npz["framewise"]?.shape, [1, mel.frameCount, 3])
        let model = try SEDModel(checkpoint: ckpt)
        let y = try GradMode.withoutGradients { try model(try Tensor(mel.values, shape: [1, 1, mel.frameCount, mel.binCount])) }
        XCTAssertEqual(npz["clipwise"]?.floats(), y.clipwise.toArray())
    }

    func testBadInputsFailWithOneSentenceAndNoOutput() throws {
        let ckpt = try checkpoint()
        let (good, _) = try logMel("good.npy", mels: 64, frames: 80, seed: 3)
        let junk = dir + "/junk.npy"
        try Data("not an array".utf8).write(to: URL(fileURLWithPath: junk))
        let (flat, _) = try { () throws -> (String, [Float]) in
            let p = dir + "/flat.npy"; try NPY.write([1, 2, 3], shape: [3], to: p); return (p, [])
        }()
        let out = dir + "/pred.npz"
        let cases: [([String], String)] = [
            ([good, junk], "junk.npy"),
            ([good, dir + "/missing.npy"], "missing.npy"),
            ([flat], "flat.npy"),
            ([good, flat], "flat.npy"),
            ([dir + "/notes.txt"], "notes.txt"),
        ]
        try Data("hello".utf8).write(to: URL(fileURLWithPath: dir + "/notes.txt"))
        for (inputs, culprit) in cases {
            let r = try CLI.run(["predict", "--checkpoint", ckpt] + inputs + ["--out", out])
            XCTAssertNotEqual(r.status, 0, "\(inputs)")
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(culprit), "\(culprit): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no output after a failure")
        }
        let noModel = try CLI.run(["predict", "--checkpoint", dir + "/none.safetensors", good, "--out", out])
        XCTAssertNotEqual(noModel.status, 0)
        XCTAssertTrue(noModel.stderr.contains("none.safetensors"), noModel.stderr)
        XCTAssertFalse(files().contains { $0.hasPrefix(".") }, "no temporary files: \(files())")
    }
}
