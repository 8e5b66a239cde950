// libFuzzer target: one JSON text decoded as each config a user or a checkpoint hands Warbler
// (thresholds.json, the model config, the training config, the checkpoint's input contract,
// the augmentation and field-validation settings), each then validated. Bad values must be
// refused with an error, never trapped (an Int overflow or a precondition would crash).
import Foundation
import FuzzSupport
import WarblerFeatures
import WarblerMetrics
import WarblerModels
import WarblerTraining

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let data = fuzzData(bytes, count)
    let decoder = JSONDecoder()
    if let t = try? decoder.decode(ThresholdsFile.self, from: data) {
        try? t.validate(classes: t.classes, source: "<fuzz>")
    }
    if let c = try? decoder.decode(SEDConfig.self, from: data) {
        if (try? c.validate()) != nil { _ = c.headInputChannels }
    }
    if let c = try? decoder.decode(TrainConfig.self, from: data) { try? c.validate() }
    if let c = try? decoder.decode(AugmentationConfig.self, from: data) { try? c.validate(sampleRate: 32_000) }
    if let c = try? decoder.decode(FieldValidationConfig.self, from: data) { try? c.validate(sampleRate: 32_000) }
    if let c = try? decoder.decode(FrontEndConfig.self, from: data) { try? c.validate() }
    // The contract as a checkpoint carries it: a JSON string under metadata "input".
    let text = String(decoding: data, as: UTF8.self)
    _ = try? ModelInput.from(metadata: [ModelInput.metadataKey: text], source: "<fuzz>")
    return 0
}

@main
enum FuzzConfigMain {
    static func main() { runFuzzer(fuzzConfig) }
}
