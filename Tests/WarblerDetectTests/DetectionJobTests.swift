// DetectionJob's thresholds, in their documented order: --threshold for every class, else a
// --thresholds file, else the checkpoint's own, else thresholds.json beside the checkpoint, else
// 0.5; a named file that is missing or not a thresholds file is an error naming it.
import Foundation
@testable import WarblerDetect
import WarblerMetrics
import WarblerTestSupport
import XCTest

final class DetectionJobTests: TemporaryDirectoryTestCase {
    override class var directoryPrefix: String { "warbler-job" }

    private func settings(threshold: Float? = nil, file: String? = nil, topK: Int? = nil) -> DetectionJobSettings {
        DetectionJobSettings(
            checkpoint: dir + "/model.safetensors", inputs: [], filesFrom: nil, shard: nil, out: dir + "/out",
            formats: [.csv], thresholdsFile: file, threshold: threshold, topK: topK, window: nil, hop: nil, batch: 8,
            rule: EventRule(), report: false, device: "cpu", bf16: false, threads: 1, command: [])
    }

    private func write(_ t: ThresholdsFile, to path: String) throws {
        try JSONEncoder().encode(t).write(to: URL(fileURLWithPath: path))
    }

    func testThresholdsComeInTheDocumentedOrder() throws {
        let classes = ["a", "b"]
        let stored = ThresholdsFile(classes: classes, global: 0.4, perClass: [0.3, 0.6], epoch: 2, validationF1: 0.9)
        // Nothing at all: 0.5 for every class.
        var (p, source) = try DetectionJob.labelPolicy(settings(), classes: classes, stored: nil)
        XCTAssertEqual(p.thresholds, [0.5, 0.5])
        XCTAssertEqual(source, "the default 0.5")
        // A thresholds.json beside the checkpoint.
        try write(
            ThresholdsFile(classes: classes, global: 0.2, perClass: [0.2, 0.25], epoch: 1, validationF1: 0.5),
            to: dir + "/thresholds.json")
        (p, _) = try DetectionJob.labelPolicy(settings(), classes: classes, stored: nil)
        XCTAssertEqual(p.thresholds, [0.2, 0.25])
        // The checkpoint's own come before it.
        (p, source) = try DetectionJob.labelPolicy(settings(topK: 1), classes: classes, stored: stored)
        XCTAssertEqual(p.thresholds, [0.3, 0.6])
        XCTAssertEqual(p.topK, 1)
        XCTAssertEqual(source, "the checkpoint's (from training)")
        // A named file comes before the checkpoint's.
        try write(ThresholdsFile(classes: classes, global: 0.7, perClass: [0.7, 0.8], epoch: 3, validationF1: 0.8), to: dir + "/t.json")
        (p, _) = try DetectionJob.labelPolicy(settings(file: dir + "/t.json"), classes: classes, stored: stored)
        XCTAssertEqual(p.thresholds, [0.7, 0.8])
        // One threshold overrides them all.
        (p, source) = try DetectionJob.labelPolicy(settings(threshold: 0.9, file: dir + "/t.json"), classes: classes, stored: stored)
        XCTAssertEqual(p.thresholds, [0.9, 0.9])
        XCTAssertEqual(source, "--threshold 0.9")
    }

    func testANamedThresholdsFileMustExistAndBeOne() throws {
        XCTAssertThrowsError(try DetectionJob.labelPolicy(settings(file: dir + "/none.json"), classes: ["a"], stored: nil)) {
            XCTAssertEqual(String(describing: $0), "\(self.dir!)/none.json: no such file")
        }
        try Data("{}".utf8).write(to: URL(fileURLWithPath: dir + "/bad.json"))
        XCTAssertThrowsError(try DetectionJob.labelPolicy(settings(file: dir + "/bad.json"), classes: ["a"], stored: nil)) {
            XCTAssertEqual(String(describing: $0), "\(self.dir!)/bad.json: not a thresholds file written by warbler train")
        }
    }
}
