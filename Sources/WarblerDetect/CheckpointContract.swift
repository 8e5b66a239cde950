// Everything a checkpoint says about how to use it, read from its metadata: the input contract
// (front-end with its sample rate, value scaling, window length; `ModelInput`), the class names,
// and the thresholds training chose (`ThresholdsFile`). Checkpoints from before the contract
// existed load with `ModelInput.legacy`, names class0, class1, ... when they have none, and no
// thresholds (detection then looks for thresholds.json beside the checkpoint).
import Foundation
import WarblerFeatures
import WarblerMetrics
import WarblerNN

public struct CheckpointContract: Sendable {
    public var input: ModelInput
    public var classes: [String]
    public var thresholds: ThresholdsFile?
    /// Optional display names by class label (metadata "species").
    public var speciesNames: [String: String]

    /// Reads the contract of the checkpoint at `path`, whose model has `classCount` outputs.
    public init(checkpoint path: String, classCount: Int) throws {
        try self.init(metadata: try SafeTensors.read(path).metadata, classCount: classCount, source: path)
    }

    public init(metadata: [String: String], classCount: Int, source: String) throws {
        input = try ModelInput.from(metadata: metadata, source: source)
        if let json = metadata["classes"] {
            guard let names = try? JSONDecoder().decode([String].self, from: Data(json.utf8)), names.count == classCount else {
                throw DetectError("\(source): its class list does not match its \(classCount) model outputs")
            }
            classes = names
        } else {
            classes = (0..<classCount).map { "class\($0)" }
        }
        if let json = metadata[ThresholdsFile.metadataKey] {
            guard let t = try? JSONDecoder().decode(ThresholdsFile.self, from: Data(json.utf8)) else {
                throw DetectError("\(source): its thresholds (metadata \"thresholds\") are not readable")
            }
            try t.validate(classes: classes, source: source)
            thresholds = t
        } else {
            thresholds = nil
        }
        speciesNames = metadata["species"].flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:]
    }
}
