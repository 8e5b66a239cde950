// Writing safetensors files: float32 tensors in name order, the header padded with spaces to a
// multiple of 8 bytes (as the reference implementation does, so data stays aligned), written
// atomically (temporary file, then rename) so a crash never leaves a half-written checkpoint.
import Foundation
import WarblerIO
import WarblerTensor

extension SafeTensors {
    /// Writes `tensors` as F32 with `metadata` to `path`, atomically. Adds "format": "pt" to the
    /// metadata unless given (names and layouts are PyTorch's; Hugging Face loaders check it).
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to path: String) throws {
        let (header, order) = try header(tensors, metadata: metadata, path: path)
        let file = try AtomicFile(destination: path)
        var length = UInt64(header.count).littleEndian
        try withUnsafeBytes(of: &length) { try file.write($0) }
        try file.write(header)
        for name in order { try file.write(contentsOf: tensors[name]!.toArray()) }
        try file.commit()
    }

    /// Writes `tensors` with `config` encoded as JSON (sorted keys) in the metadata under
    /// "config", plus any other `metadata`. `SafeTensorsFile.config(_:)` reads it back.
    public static func write(
        _ tensors: [String: Tensor], config: some Encodable, metadata: [String: String] = [:],
        to path: String
    ) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var meta = metadata
        meta[configKey] = String(decoding: try encoder.encode(config), as: UTF8.self)
        try write(tensors, metadata: meta, to: path)
    }

    /// The bytes `write` would put in a file.
    public static func serialized(_ tensors: [String: Tensor], metadata: [String: String] = [:]) throws -> Data {
        let (header, order) = try header(tensors, metadata: metadata, path: "<memory>")
        var out = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(header)
        for name in order { tensors[name]!.toArray().withUnsafeBytes { out.append(contentsOf: $0) } }
        return out
    }

    /// The padded JSON header and the tensors' order in the data section.
    static func header(_ tensors: [String: Tensor], metadata: [String: String], path: String) throws -> (Data, [String]) {
        guard tensors["__metadata__"] == nil else {
            throw FileError(path: path, reason: "cannot store a tensor named \"__metadata__\" (the name is reserved for metadata).")
        }
        let order = tensors.keys.sorted()
        var header: [String: Any] = [:]
        var offset = 0
        for name in order {
            let t = tensors[name]!
            header[name] = ["dtype": SafeTensorsDType.f32.rawValue, "shape": t.shape.dims, "data_offsets": [offset, offset + 4 * t.count]] as [String: Any]
            offset += 4 * t.count
        }
        var meta = metadata
        if meta["format"] == nil { meta["format"] = "pt" }
        header["__metadata__"] = meta
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
        return (json, order)
    }
}
