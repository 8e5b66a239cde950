// safetensors files (the Hugging Face format, https://github.com/huggingface/safetensors):
//   8 bytes   little-endian UInt64 N, the header's length
//   N bytes   UTF-8 JSON: {"<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
//             ..., "__metadata__": {"<key>": "<string>", ...}} (metadata optional), padded with spaces
//   the rest  raw little-endian, row-major tensor data; offsets are relative to its start
// Reading converts every supported dtype to float32 tensors; writing (SafeTensors+Write.swift)
// stores float32. A model's config travels as a JSON string in the metadata under "config".
// Every problem is reported as a FileError naming the file (and the tensor, where one is at fault).
import Foundation
import WarblerIO
import WarblerTensor

/// The contents of a safetensors file.
public struct SafeTensorsFile {
    /// Where it was read from ("<memory>" for parsed bytes), for messages.
    public var path: String
    /// Every tensor, converted to float32, by name.
    public var tensors: [String: Tensor]
    /// The "__metadata__" string map (empty when absent).
    public var metadata: [String: String]
    /// Each tensor's element type in the file.
    public var dtypes: [String: SafeTensorsDType]

    /// Decodes the JSON config stored in the metadata under `key` (see `SafeTensors.write`).
    public func config<T: Decodable>(_ type: T.Type, key: String = SafeTensors.configKey) throws -> T {
        guard let json = metadata[key] else {
            let keys = metadata.keys.sorted().joined(separator: ", ")
            throw FileError(path: path, reason: "has no \"\(key)\" entry in its metadata (it has: \(keys.isEmpty ? "none" : keys)).")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(json.utf8))
        } catch {
            throw FileError(path: path, reason: "its metadata \"\(key)\" is not a valid \(T.self): \(error)")
        }
    }
}

public enum SafeTensors {
    /// The metadata key holding a model config as JSON.
    public static let configKey = "config"
    /// Headers above this size are refused as corrupt (the reference implementation's limit).
    static let maximumHeaderBytes = 100_000_000

    /// Reads a safetensors file (memory-mapped) into float32 tensors.
    public static func read(_ path: String) throws -> SafeTensorsFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw FileError(path: path, reason: FileSystemErrors.cause(of: error) ?? "cannot be read (\(error)).")
        }
        return try parse(data, path: path)
    }

    /// Parses the bytes of a safetensors file; `path` only names it in errors.
    public static func parse(_ data: Data, path: String = "<memory>") throws -> SafeTensorsFile {
        func fail(_ reason: String) -> FileError { FileError(path: path, reason: reason) }
        guard data.count >= 8 else {
            throw fail("is not a safetensors file: \(data.count) bytes is shorter than the 8-byte header length.")
        }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(maximumHeaderBytes) else {
            throw fail("is not a safetensors file: its header length field says \(headerLength) bytes (the limit is \(maximumHeaderBytes)).")
        }
        let dataStart = 8 + Int(headerLength)
        guard data.count >= dataStart else {
            throw fail("is truncated: the header needs \(headerLength) bytes but only \(data.count - 8) follow the length field.")
        }
        let headerBytes = data.subdata(in: data.startIndex + 8..<data.startIndex + dataStart)
        guard headerBytes.first == UInt8(ascii: "{"),
            let object = try? JSONSerialization.jsonObject(with: headerBytes), let header = object as? [String: Any]
        else {
            throw fail("has a bad header: it is not a JSON object.")
        }
        let dataLength = data.count - dataStart
        var file = SafeTensorsFile(path: path, tensors: [:], metadata: [:], dtypes: [:])
        if let meta = header["__metadata__"] {
            guard let strings = meta as? [String: String] else {
                throw fail("has a bad header: \"__metadata__\" must map strings to strings.")
            }
            file.metadata = strings
        }
        for (name, entry) in header.sorted(by: { $0.key < $1.key }) where name != "__metadata__" {
            guard let info = entry as? [String: Any], let dtypeName = info["dtype"] as? String,
                let dims = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2
            else {
                throw fail("has a bad header: tensor \"\(name)\" needs a string dtype, an integer shape and two integer data_offsets.")
            }
            guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
                let known = SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
                throw fail("tensor \"\(name)\" has dtype \(dtypeName), which Warbler cannot read (supported: \(known)).")
            }
            guard dims.allSatisfy({ $0 >= 0 }) else { throw fail("tensor \"\(name)\" has a negative dimension in its shape \(dims).") }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= dataLength else {
                throw fail("tensor \"\(name)\" has data_offsets [\(begin), \(end)] outside the \(dataLength)-byte data section (the file may be truncated).")
            }
            var count = 1
            var overflow = false
            for d in dims + [dtype.byteCount] where !overflow { (count, overflow) = count.multipliedReportingOverflow(by: d) }
            guard !overflow, count == end - begin else {
                throw fail(
                    "tensor \"\(name)\": shape \(dims) of \(dtype.rawValue) needs \(overflow ? "too many" : String(count)) bytes but data_offsets [\(begin), \(end)] hold \(end - begin)."
                )
            }
            let values = data.withUnsafeBytes { raw in
                dtype.floats(from: UnsafeRawBufferPointer(rebasing: raw[dataStart + begin..<dataStart + end]), count: count / dtype.byteCount)
            }
            file.tensors[name] = try Tensor(values, shape: Shape(dims))
            file.dtypes[name] = dtype
        }
        return file
    }
}
