// libFuzzer target: a CSV read as BirdCLEF's and as Cornell's train.csv (against a small audio
// root holding two files), every field parsed as BirdCLEF's Python-list secondary labels, and
// the same file read as each table `warbler evaluate` takes (segment labels, predictions,
// events). Bad rows must be refused with an error, never trapped.
import Foundation
import FuzzSupport
import WarblerIO
import WarblerMetrics
import WarblerTraining

/// An audio root with a file per layout: `a.wav` (BirdCLEF) and `a/a.wav` (Cornell).
let audioRoot: String = {
    let root = FuzzScratch.directory + "/audio"
    try? FileManager.default.createDirectory(atPath: root + "/a", withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: root + "/a.wav", contents: Data([0]))
    _ = FileManager.default.createFile(atPath: root + "/a/a.wav", contents: Data([0]))
    return root
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let data = fuzzData(bytes, count)
    let root = audioRoot
    let path = FuzzScratch.write(data, name: "train.csv")
    if let m = try? Manifest.birdCLEF(csv: path, audioRoot: root) {
        for e in m.entries { precondition(m.labelVector(e).count == m.classes.count) }
    }
    _ = try? Manifest.birdCLEF(csv: path, audioRoot: root, ignoreUnknownSecondaryLabels: true)
    if let m = try? Manifest.cornell(csv: path, audioRoot: root) {
        for e in m.entries { precondition(m.labelVector(e).count == m.classes.count) }
    }
    if let table = try? CSV.parse(String(decoding: data, as: UTF8.self)) {
        for row in table.rows.prefix(64) { for field in row { _ = try? Manifest.parsePythonList(field) } }
    }
    _ = try? EvaluationTables.readLabels(path)
    _ = try? EvaluationTables.readPredictions(path)
    _ = try? EvaluationTables.readEvents(path)
    return 0
}

@main
enum FuzzManifestMain {
    static func main() { runFuzzer(fuzzManifest) }
}
