// libFuzzer target: SafeTensors.parse on arbitrary bytes, then what reading a checkpoint does
// with the metadata: the model config (SEDConfig) decoded and validated, the input contract
// (ModelInput.from) and the thresholds. Errors must be thrown, never trapped.
import Foundation
import FuzzSupport
import WarblerFeatures
import WarblerMetrics
import WarblerModels
import WarblerNN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let data = fuzzData(bytes, count)
    guard let file = try? SafeTensors.parse(data) else { return 0 }
    for (name, tensor) in file.tensors {
        precondition(file.dtypes[name] != nil, "safetensors: tensor \(name) has no dtype")
        _ = tensor.shape.count
    }
    if let config = try? file.config(SEDConfig.self) { try? config.validate() }
    _ = try? ModelInput.from(metadata: file.metadata, source: "<fuzz>")
    if let json = file.metadata[ThresholdsFile.metadataKey],
        let t = try? JSONDecoder().decode(ThresholdsFile.self, from: Data(json.utf8))
    {
        try? t.validate(classes: t.classes, source: "<fuzz>")
    }
    return 0
}

@main
enum FuzzSafeTensorsMain {
    static func main() { runFuzzer(fuzzSafeTensors) }
}
