// NumPy .npz archives: a ZIP file of .npy members (numpy.savez). Writing stores the members
// uncompressed (ZIP method 0, as numpy.savez does) with their CRC-32, atomically; reading accepts
// stored members only (what numpy.savez and this writer produce; numpy.savez_compressed archives
// are refused with a sentence saying so). Archives are limited to 4 GiB (no ZIP64).
import Foundation

public enum NPZ {
    /// Writes float32 arrays as `<name>.npy` members, in the order given, atomically.
    /// Each entry: name (without .npy), values in C order, shape.
    public static func write(_ arrays: [(name: String, values: [Float], shape: [Int])], to path: String) throws {
        var members: [(String, Data)] = []
        for a in arrays {
            guard a.shape.reduce(1, *) == a.values.count else {
                throw FileError(path: path, reason: "array \(a.name) has \(a.values.count) values, which do not fill shape \(a.shape).")
            }
            var data = NPY.header(type: .float32, shape: a.shape, fortranOrder: false)
            a.values.withUnsafeBytes { data.append(contentsOf: $0) }
            members.append((a.name + ".npy", data))
        }
        let archive = try zip(members, path: path)
        let file = try AtomicFile(destination: path)
        try file.write(archive)
        try file.commit()
    }

    /// Reads every member of a stored (uncompressed) .npz, by name without ".npy".
    public static func read(_ path: String) throws -> [String: NPYArray] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw FileError(path: path, reason: FileSystemErrors.cause(of: error) ?? "cannot be read (\(error)).")
        }
        let bytes = [UInt8](data)
        func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
        var out: [String: NPYArray] = [:]
        var i = 0
        while i + 30 <= bytes.count, u32(i) == 0x0403_4B50 {
            let method = u16(i + 8), size = u32(i + 18), nameLength = u16(i + 26), extra = u16(i + 28)
            guard i + 30 + nameLength + extra + size <= bytes.count else {
                throw FileError(path: path, reason: "is truncated: a member runs past the end of the file.")
            }
            let name = String(decoding: bytes[(i + 30)..<(i + 30 + nameLength)], as: UTF8.self)
            guard method == 0 else {
                throw FileError(path: path, reason: "member \(name) is compressed (method \(method)); only stored .npz archives (numpy.savez) can be read.")
            }
            let start = i + 30 + nameLength + extra
            let body = Data(bytes[start..<(start + size)])
            guard crc32(body) == UInt32(u32(i + 14)) else {
                throw FileError(path: path, reason: "member \(name) fails its CRC-32 check (the file is corrupt).")
            }
            let key = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
            out[key] = try NPY.parse(body, path: path + ":" + name)
            i = start + size
        }
        guard !out.isEmpty else { throw FileError(path: path, reason: "is not an .npz archive (no ZIP members found).") }
        return out
    }

    /// A ZIP archive of stored members with a central directory.
    static func zip(_ members: [(String, Data)], path: String) throws -> Data {
        var out = Data()
        var central = Data()
        func le16(_ v: Int, _ d: inout Data) { d.append(contentsOf: [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)]) }
        func le32(_ v: Int, _ d: inout Data) { le16(v & 0xFFFF, &d); le16((v >> 16) & 0xFFFF, &d) }
        for (name, body) in members {
            let offset = out.count
            guard offset + body.count < Int(UInt32.max) else {
                throw FileError(path: path, reason: "would exceed 4 GiB, which this writer does not support (no ZIP64).")
            }
            let crc = Int(crc32(body))
            let nameBytes = Data(name.utf8)
            // Local file header: signature, version 2.0, flags 0, method 0 (stored), DOS time/date 0 (1980-01-01).
            le32(0x0403_4B50, &out); le16(20, &out); le16(0, &out); le16(0, &out); le16(0, &out); le16(0x21, &out)
            le32(crc, &out); le32(body.count, &out); le32(body.count, &out); le16(nameBytes.count, &out); le16(0, &out)
            out.append(nameBytes)
            out.append(body)
            le32(0x0201_4B50, &central); le16(20, &central); le16(20, &central); le16(0, &central); le16(0, &central)
            le16(0, &central); le16(0x21, &central); le32(crc, &central); le32(body.count, &central); le32(body.count, &central)
            le16(nameBytes.count, &central); le16(0, &central); le16(0, &central); le16(0, &central); le16(0, &central)
            le32(0o100644 << 16, &central); le32(offset, &central)
            central.append(nameBytes)
        }
        let centralOffset = out.count
        out.append(central)
        le32(0x0605_4B50, &out); le16(0, &out); le16(0, &out); le16(members.count, &out); le16(members.count, &out)
        le32(central.count, &out); le32(centralOffset, &out); le16(0, &out)
        return out
    }

    /// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as ZIP stores it.
    public static func crc32(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }
}
