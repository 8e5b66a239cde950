// `warbler merge`: the output folders of the shards of one `detect --shard I/N` run (a Slurm
// array, a Kubernetes Indexed Job) become one folder with exactly the tables a single detect
// over all recordings writes, plus run.json and missing.txt; the inputs no shard finished are
// named so their shards can be run again (ShardMerge does the work).
import ArgumentParser
import Foundation
import WarblerCommandLine
import WarblerDetect
import WarblerIO

struct MergeCommand: WarblerCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the output folders of sharded detect runs into one.",
        discussion: """
            Reads each shard folder's run.json and journal and writes into --out the tables of \
            --format exactly as a single `warbler detect` over all recordings writes them (the \
            same rows in input order), and run.json. No HTML report is made: each shard's \
            report/ stays in its folder. Shards made with different checkpoints, settings, \
            thresholds or inputs are refused. Inputs that no given folder holds (a shard that \
            never ran or never finished: no run.json) are listed, and written to \
            <out>/missing.txt, with the shards to run again. Exit status: 0 all merged; 4 some \
            inputs are in no finished shard (the tables hold the rest); 1 some recordings \
            failed in their shard (unreadable audio) and nothing is missing; 64 bad usage.
            """)

    @Argument(help: "The --out folders of the shards (all of them; a folder without run.json counts as unfinished).")
    var shardFolders: [String]
    @Option(help: "Output folder.")
    var out: String
    @Option(help: "Comma-separated output formats: cornell, csv, raven, audacity, json, sqlite.")
    var format = OutputFormats.standard

    /// Exit status when some inputs are in no finished shard.
    static let missingInputsExit: Int32 = 4

    func validate() throws {
        _ = try format.validated()
        guard !shardFolders.isEmpty else { throw ValidationError("Give the shards' output folders.") }
        let outPath = AudioInputs.absolute(out)
        if let same = shardFolders.first(where: { AudioInputs.absolute($0) == outPath }) {
            throw ValidationError("--out \(out) is one of the shard folders (\(same)): merge into a folder of its own.")
        }
    }

    func execute() throws {
        let started = Date()
        let formats = try format.list()
        let merger = try ShardMerge(folders: shardFolders)
        for folder in merger.unfinished {
            printError(
                "\(folder): no run.json\(FileManager.default.fileExists(atPath: folder) ? "" : " (no such folder)"): its shard did not finish; its recordings count as missing"
            )
        }
        let (results, failed, recordings, missing) = try merger.collect()
        try OutputFolder.prepare(out, option: "--out")
        let lock = try RunLock(folder: out)
        defer { lock.release() }
        lock.removeStaleTemporaryFiles()
        let previous = RunRecord.read(folder: out)
        let ref = merger.reference
        let policy = LabelPolicy(classes: ref.classes, thresholds: ref.thresholds, topK: ref.topK)
        var record = RunRecord(
            command: CommandLine.arguments, started: started, checkpoint: ref.checkpoint, settings: ref.settings, policy: policy,
            thresholdSource: ref.thresholdSource, device: ref.device, inputRoot: ref.inputRoot, recordings: recordings, files: [])
        let outcome = try ResultWriters.writeEach(results, policy: policy, formats: formats, to: out, run: record)
        var written = outcome.written.map { $0.hasPrefix(out + "/") ? String($0.dropFirst(out.count + 1)) : $0 }
        // The inputs to run again, one path a line (an input index where the list could not be read again).
        let missingText = missing.map { ($0.path ?? "# input \($0.index) (the input list could not be read again)") + "\n" }.joined()
        if !missing.isEmpty {
            try AtomicFile.write(Data(missingText.utf8), to: out + "/missing.txt")
            written.append("missing.txt")
        }
        record.files = written.sorted()
        RunRecord.removeStale(previous: previous?.files ?? [], current: record.files, folder: out)
        try record.write(folder: out)
        for f in outcome.failed { printError("NOT written: \(f.path): \(f.reason)") }
        print(
            "merged \(merger.shards.count) of \(merger.shardCount) shards: \(results.count) of \(merger.totalInputs) recordings; "
                + "wrote \(outcome.written.count) file\(outcome.written.count == 1 ? "" : "s") and \(RunRecord.fileName) to \(out)")
        if !outcome.failed.isEmpty { throw ExitCode(3) }
        if !missing.isEmpty {
            for m in missing.prefix(20) { printError("missing: \(m.path ?? "input \(m.index)")") }
            if missing.count > 20 { printError("missing: ... and \(missing.count - 20) more") }
            let shards = merger.missingShards.map(String.init).joined(separator: ",")
            printError(
                "\(missing.count) of \(merger.totalInputs) inputs are in no finished shard (listed in \(out)/missing.txt)"
                    + (shards.isEmpty
                        ? ""
                        : "; run shard\(merger.missingShards.count == 1 ? "" : "s") \(shards) of \(merger.shardCount) again "
                            + "(Slurm: sbatch --array=\(shards) ...), then merge again"))
            throw ExitCode(MergeCommand.missingInputsExit)
        }
        if !failed.isEmpty {
            for f in failed { printError(f.reason ?? "\(f.path): failed") }
            printError("\(failed.count) of \(merger.totalInputs) inputs failed in their shard (each named above)")
            throw ExitCode.failure
        }
    }
}
