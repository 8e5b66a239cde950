// `warbler train --init-from` through the binary, on tiny synthetic sets: the weights a run
// starts from (written by `warbler-bench export-batches` as init.safetensors, before any step) equal the
// checkpoint's for the same classes, and for a larger class list keep the checkpoint's backbone,
// GRU and known head rows with a head of the new class count; timm backbone weights (directly, or
// through `model init --backbone-weights`) start the backbone; a checkpoint's input contract is
// the run's; a contradicting --arch or
// --gru-hidden, weights of another architecture, and a --resume with another --init-from are
// refused with one sentence naming the file or the setting.
import Foundation
import WarblerFeatures
import WarblerIO
import WarblerModels
import WarblerNN
import WarblerTensor
import XCTest

final class InitFromCommandTests: CLITestCase {
    /// `warbler-bench export-batches` with the options of the `warbler train` command line `args`.
    @discardableResult
    private func exported(_ args: [String], to folder: String, file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        let bench = CLI.exportBatchesArguments(args, to: folder)
        let r = try CLI.run(bench, binary: CLI.benchBinary)
        XCTAssertEqual(r.status, 0, "warbler-bench \(bench.joined(separator: " ")): \(r.stderr)", file: file, line: line)
        return r
    }

    @discardableResult
    private func ok(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> CLIResult {
        let r = try CLI.run(args)
        XCTAssertEqual(r.status, 0, "warbler \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
        return r
    }

    private func dataset(_ name: String, species: Int) throws {
        try ok([
            "synth", "dataset", "--out", dir + "/" + name, "--species", "\(species)", "--clips", "4", "--seconds", "2",
            "--format", "wav",
        ])
    }

    /// A tiny training run's arguments on dataset `data` (1 epoch of 4 batches of 4 2-s clips).
    private func trainArgs(_ data: String, out: String) -> [String] {
        [
            "train", "--manifest", dir + "/\(data)/train.csv", "--audio-root", dir + "/\(data)/train_audio", "--out", out,
            "--epochs", "1", "--batch-size", "4", "--examples-per-epoch", "16", "--crop-seconds", "2", "--seed", "3",
            "--workers", "1", "--cache", dir + "/cache",
        ]
    }

    private func tensors(_ path: String) throws -> [String: Tensor] { try SafeTensors.read(path).tensors }

    /// Rows `rows` of a [K, ...] tensor, flattened.
    private func rows(_ t: Tensor, _ rows: [Int]) -> [Float] {
        let n = t.count / t.shape[0], v = t.toArray()
        return rows.flatMap { v[$0 * n..<($0 + 1) * n] }
    }

    func testFineTuneThreeSpeciesThenFive() throws {
        try dataset("d3", species: 3)
        try dataset("d5", species: 5)
        let run3 = dir + "/run3"
        try ok(trainArgs("d3", out: run3) + ["--gru-hidden", "16"])
        let ckpt = run3 + "/last.safetensors"
        let saved = try tensors(ckpt)

        // The same classes: the whole model, every tensor as in the checkpoint before step one.
        // --arch and --gru-hidden come from the checkpoint (the default GRU width would be 64).
        let same = try exported(trainArgs("d3", out: dir + "/same") + ["--init-from", ckpt], to: dir + "/exp3")
        XCTAssertTrue(
            same.stdout.contains(
                "--init-from last.safetensors: loaded the whole model (the backbone and GRU and the head "
                    + "of the same 3 classes); nothing re-initialised"), same.stdout)
        let start3 = try tensors(dir + "/exp3/init.safetensors")
        XCTAssertEqual(Set(start3.keys), Set(saved.keys))
        for (k, v) in saved { XCTAssertEqual(start3[k]?.toArray(), v.toArray(), k) }
        XCTAssertEqual(start3["head.att.weight"]?.shape.dims, [3, 32, 1])

        // Five classes, three of them known: backbone and GRU as saved, a head of 5 rows whose
        // syn01-syn03 rows are the checkpoint's and syn04, syn05 fresh.
        let five = try exported(trainArgs("d5", out: dir + "/five") + ["--init-from", ckpt], to: dir + "/exp5")
        XCTAssertTrue(
            five.stdout.contains(
                "--init-from last.safetensors: loaded the backbone and GRU and the head rows of 3 of 5 classes "
                    + "(syn01, syn02, syn03); re-initialised the head rows of syn04, syn05"), five.stdout)
        let start5 = try tensors(dir + "/exp5/init.safetensors")
        var bodyKeys = 0
        for (k, v) in saved where k.hasPrefix("backbone.") || k.hasPrefix("gru.") {
            XCTAssertEqual(start5[k]?.toArray(), v.toArray(), k)
            bodyKeys += 1
        }
        XCTAssertGreaterThan(bodyKeys, 100)
        for k in ["head.att.weight", "head.att.bias", "head.cla.weight", "head.cla.bias"] {
            let t = try XCTUnwrap(start5[k], k)
            XCTAssertEqual(t.shape[0], 5, k)
            XCTAssertEqual(rows(t, [0, 1, 2]), rows(saved[k]!, [0, 1, 2]), k)
        }
        XCTAssertNotEqual(rows(start5["head.cla.weight"]!, [3]), rows(saved["head.cla.weight"]!, [0]))

        // The fine-tuning run itself, recorded in train_config.json.
        let run5 = dir + "/run5"
        let tuned = try ok(trainArgs("d5", out: run5) + ["--init-from", ckpt])
        XCTAssertTrue(tuned.stdout.contains("head rows of 3 of 5 classes"), tuned.stdout)
        XCTAssertEqual(try SEDModel(checkpoint: run5 + "/best.safetensors").config.classes, 5)
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: run5 + "/train_config.json"))) as! [String: Any]
        let initRecord = try XCTUnwrap(record["initFrom"] as? [String: Any])
        XCTAssertEqual(initRecord["path"] as? String, ckpt)

        // --resume with the same file continues; with another file, or none, it is refused.
        try ok([
            "model", "init", "--arch", "warbler-small", "--classes", "3", "--gru-hidden", "16", "--seed", "9",
            "--out", dir + "/init9.safetensors",
        ])
        let changed = try CLI.run(trainArgs("d5", out: run5) + ["--init-from", dir + "/init9.safetensors", "--resume"])
        XCTAssertEqual(changed.status, 1, changed.stderr)
        XCTAssertTrue(
            changed.stderr.contains("--resume must continue with the run's own settings, but init-from (was \"last.safetensors (fnv "),
            changed.stderr)
        XCTAssertTrue(changed.stderr.contains("now \"init9.safetensors (fnv "), changed.stderr)
        let dropped = try CLI.run(trainArgs("d5", out: run5) + ["--resume", "--gru-hidden", "16"])
        XCTAssertEqual(dropped.status, 1, dropped.stderr)
        XCTAssertTrue(dropped.stderr.contains("init-from (was \"last.safetensors (fnv "), dropped.stderr)
        XCTAssertTrue(dropped.stderr.contains(", now none)"), dropped.stderr)
        let resumed = try ok(trainArgs("d5", out: run5) + ["--init-from", ckpt, "--resume"])
        XCTAssertTrue(resumed.stdout.contains("resuming at epoch 2"), resumed.stdout)
        XCTAssertFalse(resumed.stdout.contains("--init-from last.safetensors: loaded"), "a resumed run takes its weights from its state")
    }

    func testTimmBackboneWeightsDirectlyOrThroughModelInit() throws {
        try dataset("d3", species: 3)
        // A timm-style state dict: 3-channel stem, classifier keys.
        var rng = SeededGenerator(seed: 5)
        let source = try ResNeSt(config: XCTUnwrap(ResNeStConfig.named("warbler-small", inChannels: 3)), generator: &rng)
        var sd = source.stateDict()
        sd["fc.weight"] = try Tensor.zeros([10, source.config.outputChannels])
        sd["fc.bias"] = try Tensor.zeros([10])
        let timm = dir + "/timm.safetensors"
        try SafeTensors.write(sd, to: timm)

        let direct = try exported(trainArgs("d3", out: dir + "/direct") + ["--init-from", timm, "--gru-hidden", "8"], to: dir + "/expd")
        XCTAssertTrue(
            direct.stdout.contains(
                "--init-from timm.safetensors: loaded the backbone from timm weights; the GRU and the head "
                    + "(3 classes) start fresh"), direct.stdout)
        let start = try tensors(dir + "/expd/init.safetensors")
        XCTAssertEqual(start["backbone.conv1.0.weight"]?.toArray(), try sd["conv1.0.weight"]!.sum(axes: [1], keepingDims: true).toArray())
        for (k, v) in sd where !k.hasPrefix("fc.") && k != "conv1.0.weight" {
            XCTAssertEqual(start["backbone." + k]?.toArray(), v.toArray(), k)
        }

        // The documented two-step path: model init --backbone-weights, then --init-from the result.
        let c = dir + "/c.safetensors"
        try ok(["model", "init", "--arch", "warbler-small", "--classes", "3", "--gru-hidden", "8", "--backbone-weights", timm, "--out", c])
        let viaInit = try exported(trainArgs("d3", out: dir + "/via") + ["--init-from", c], to: dir + "/expc")
        XCTAssertTrue(
            viaInit.stdout.contains(
                "loaded the backbone and GRU; re-initialised the head for all 3 classes "
                    + "(the checkpoint names no classes)"), viaInit.stdout)
        let fromC = try tensors(dir + "/expc/init.safetensors"), savedC = try tensors(c)
        for (k, v) in savedC where k.hasPrefix("backbone.") || k.hasPrefix("gru.") { XCTAssertEqual(fromC[k]?.toArray(), v.toArray(), k) }
        XCTAssertEqual(fromC["backbone.conv1.0.weight"]?.toArray(), start["backbone.conv1.0.weight"]?.toArray())

        // timm weights of another architecture: one sentence naming the file and the architecture.
        let wrong = try CLI.run(trainArgs("d3", out: dir + "/wrong") + ["--init-from", timm, "--arch", "resnest14d"])
        XCTAssertEqual(wrong.status, 1, wrong.stderr)
        XCTAssertTrue(wrong.stderr.contains("\(timm): does not fit a resnest14d backbone"), wrong.stderr)
    }

    func testContradictingSettingsAndForeignFilesAreRefused() throws {
        try dataset("d3", species: 3)
        let m = dir + "/m.safetensors"
        try ok(["model", "init", "--arch", "warbler-small", "--classes", "3", "--gru-hidden", "8", "--out", m])
        let arch = try CLI.run(trainArgs("d3", out: dir + "/a") + ["--init-from", m, "--arch", "warbler-base"])
        XCTAssertEqual(arch.status, 1, arch.stderr)
        XCTAssertTrue(
            arch.stderr.contains(
                "\(m): is a warbler-small model, but --arch warbler-base was given; fine-tuning keeps the "
                    + "checkpoint's architecture (leave --arch out)"), arch.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/a"), "refused before the run folder is made")
        let gru = try CLI.run(trainArgs("d3", out: dir + "/g") + ["--init-from", m, "--gru-hidden", "64"])
        XCTAssertEqual(gru.status, 1, gru.stderr)
        XCTAssertTrue(gru.stderr.contains("\(m): has GRU width 8, but --gru-hidden 64 was given"), gru.stderr)
        // Agreeing explicit values are fine.
        try exported(trainArgs("d3", out: dir + "/agree") + ["--init-from", m, "--arch", "warbler-small", "--gru-hidden", "8"], to: dir + "/expa")

        // A checkpoint (written by another tool) naming the same classes in another order: the
        // whole model is loaded, head rows matched by name.
        let model = try SEDModel(config: SEDConfig(arch: "warbler-small", classes: 3, gruHidden: 8), seed: 4)
        let shuffled = dir + "/shuffled.safetensors"
        // Its input contract (64 mels, unscaled dB) is the run's too; the window is --crop-seconds.
        var frontEnd = FrontEndConfig()
        frontEnd.nMels = 64
        let contract = ModelInput(frontEnd: frontEnd, normalization: .identity, windowSeconds: 5)
        try SafeTensors.write(
            model.stateDict(), config: model.config,
            metadata: ["classes": "[\"syn03\",\"syn01\",\"syn02\"]", ModelInput.metadataKey: try contract.json()],
            to: shuffled)
        let s = try exported(trainArgs("d3", out: dir + "/s") + ["--init-from", shuffled], to: dir + "/exps")
        XCTAssertTrue(
            s.stdout.contains("loaded the whole model (the backbone and GRU and the head of the same 3 classes, rows reordered by name)"),
            s.stdout)
        let start = try tensors(dir + "/exps/init.safetensors"), saved = model.stateDict()
        for k in ["head.att.weight", "head.att.bias", "head.cla.weight", "head.cla.bias"] {
            XCTAssertEqual(rows(start[k]!, [0, 1, 2]), rows(saved[k]!, [1, 2, 0]), k)
        }
        XCTAssertEqual(start["backbone.layer4.0.conv3.weight"]?.toArray(), saved["backbone.layer4.0.conv3.weight"]?.toArray())
        let used = try ModelInput.from(metadata: SafeTensors.read(dir + "/exps/init.safetensors").metadata, source: "init")
        XCTAssertEqual(used, ModelInput(frontEnd: frontEnd, normalization: .identity, windowSeconds: 2))
        XCTAssertEqual(try NPY.read(dir + "/exps/e0_b0_x.npy").shape.last, 64, "the batches have the checkpoint's 64 mels")

        // A safetensors file that is no model, and a file that is not safetensors at all.
        let foreign = dir + "/foreign.safetensors"
        try SafeTensors.write(["embedding": try Tensor.zeros([4, 4])], to: foreign)
        let f = try CLI.run(trainArgs("d3", out: dir + "/f") + ["--init-from", foreign])
        XCTAssertEqual(f.status, 1, f.stderr)
        XCTAssertTrue(f.stderr.contains("\(foreign): is neither a Warbler checkpoint"), f.stderr)
        let text = dir + "/notes.txt"
        try Data("not weights".utf8).write(to: URL(fileURLWithPath: text))
        let t = try CLI.run(trainArgs("d3", out: dir + "/t") + ["--init-from", text])
        XCTAssertEqual(t.status, 1, t.stderr)
        XCTAssertTrue(t.stderr.contains("\(text): is not a safetensors file"), t.stderr)
        let missing = try CLI.run(trainArgs("d3", out: dir + "/n") + ["--init-from", dir + "/nope.safetensors"])
        XCTAssertEqual(missing.status, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("\(dir!)/nope.safetensors: cannot be read"), missing.stderr)
    }
}
