// NumPy .npy files (format versions 1.0-3.0): reading any little-endian numeric array into
// float32/float64, writing float32 arrays, and a streaming writer whose shape is fixed at the end.
import Foundation

/// An element type an .npy file may hold.
public enum NPYType: String, Sendable {
    case float32 = "<f4", float64 = "<f8", int16 = "<i2", int32 = "<i4", int64 = "<i8"
    case uint8 = "|u1", bool = "|b1"

    public var byteCount: Int {
        switch self {
        case .float32, .int32: 4
        case .float64, .int64: 8
        case .int16: 2
        case .uint8, .bool: 1
        }
    }
}

/// An array read from an .npy file, with its elements converted to C (row-major) order.
public struct NPYArray: Sendable {
    public var shape: [Int]
    public var type: NPYType
    /// Raw little-endian element bytes in C order.
    public var bytes: Data

    public var count: Int { shape.reduce(1, *) }

    /// Elements as float32 (integer and float64 arrays are converted).
    public func floats() -> [Float] {
        bytes.withUnsafeBytes { raw -> [Float] in
            switch type {
            case .float32: return Array(raw.bindMemory(to: Float.self))
            case .float64: return raw.bindMemory(to: Double.self).map { Float($0) }
            case .int16: return raw.bindMemory(to: Int16.self).map { Float($0) }
            case .int32: return raw.bindMemory(to: Int32.self).map { Float($0) }
            case .int64: return raw.bindMemory(to: Int64.self).map { Float($0) }
            case .uint8, .bool: return raw.map { Float($0) }
            }
        }
    }

    /// Elements as float64.
    public func doubles() -> [Double] {
        bytes.withUnsafeBytes { raw -> [Double] in
            switch type {
            case .float64: return Array(raw.bindMemory(to: Double.self))
            case .float32: return raw.bindMemory(to: Float.self).map { Double($0) }
            case .int16: return raw.bindMemory(to: Int16.self).map { Double($0) }
            case .int32: return raw.bindMemory(to: Int32.self).map { Double($0) }
            case .int64: return raw.bindMemory(to: Int64.self).map { Double($0) }
            case .uint8, .bool: return raw.map { Double($0) }
            }
        }
    }
}

public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// Reads an .npy file.
    public static func read(_ path: String) throws -> NPYArray {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileError(path: path, reason: "cannot be read (missing or unreadable).")
        }
        return try parse(data, path: path)
    }

    /// Parses the bytes of an .npy file; `path` is only used in error messages.
    public static func parse(_ data: Data, path: String = "<memory>") throws -> NPYArray {
        let bad = { (why: String) in FileError(path: path, reason: "is not a valid .npy file: \(why).") }
        guard data.count >= 10, Array(data.prefix(6)) == magic else { throw bad("missing the NUMPY magic") }
        let major = data[data.startIndex + 6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(data[data.startIndex + 8]) | Int(data[data.startIndex + 9]) << 8
            headerStart = 10
        case 2, 3:
            guard data.count >= 12 else { throw bad("truncated header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(data[data.startIndex + 8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw bad("unsupported format version \(major)")
        }
        guard data.count >= headerStart + headerLength,
            let header = String(data: data.subdata(in: headerStart..<headerStart + headerLength), encoding: .utf8)
        else { throw bad("truncated header") }
        guard let descr = field("descr", in: header), let type = NPYType(rawValue: descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")))
        else { throw bad("unsupported element type in header \(header.trimmingCharacters(in: .whitespacesAndNewlines))") }
        let fortran = field("fortran_order", in: header) == "True"
        guard let shapeText = shapeField(in: header) else { throw bad("no shape in header") }
        let shape = try shapeText.split(separator: ",").compactMap { part -> Int? in
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { return nil }
            guard let v = Int(t), v >= 0 else { throw bad("bad shape (\(shapeText))") }
            return v
        }
        // The shape is untrusted: multiply without overflow and compare with the bytes really there.
        let start = headerStart + headerLength
        let available = data.count - start
        var need = type.byteCount
        for d in shape {
            let (product, overflow) = need.multipliedReportingOverflow(by: d)
            guard !overflow, shape.contains(0) || product <= available else {
                throw bad("the shape (\(shapeText.trimmingCharacters(in: .whitespaces))) needs more bytes than the file's \(available) bytes of data")
            }
            need = product
        }
        if shape.contains(0) { need = 0 }
        guard available >= need else {
            throw bad("the data is truncated (\(data.count - start) of \(need) bytes)")
        }
        var body = data.subdata(in: start..<start + need)
        if fortran && shape.count > 1 {
            body = transposeFortran(body, shape: shape, elementSize: type.byteCount)
        }
        return NPYArray(shape: shape, type: type, bytes: body)
    }

    /// Converts Fortran-ordered bytes to C order.
    static func transposeFortran(_ body: Data, shape: [Int], elementSize: Int) -> Data {
        let count = shape.reduce(1, *)
        var out = Data(count: body.count)
        // Fortran strides (in elements): first axis fastest.
        var fStrides = [Int](repeating: 1, count: shape.count)
        for i in 1..<shape.count { fStrides[i] = fStrides[i - 1] * shape[i - 1] }
        body.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                var index = [Int](repeating: 0, count: shape.count)
                for c in 0..<count {
                    var f = 0
                    for a in 0..<shape.count { f += index[a] * fStrides[a] }
                    memcpy(dst.baseAddress! + c * elementSize, src.baseAddress! + f * elementSize, elementSize)
                    var a = shape.count - 1
                    while a >= 0 {
                        index[a] += 1
                        if index[a] < shape[a] { break }
                        index[a] = 0
                        a -= 1
                    }
                }
            }
        }
        return out
    }

    private static func field(_ key: String, in header: String) -> String? {
        guard let r = header.range(of: "'\(key)':") else { return nil }
        let rest = header[r.upperBound...].drop(while: { $0 == " " })
        let value = rest.prefix(while: { $0 != "," && $0 != "}" })
        return value.trimmingCharacters(in: .whitespaces)
    }

    private static func shapeField(in header: String) -> String? {
        guard let r = header.range(of: "'shape':"),
            let open = header[r.upperBound...].firstIndex(of: "("),
            let close = header[open...].firstIndex(of: ")")
        else { return nil }
        return String(header[header.index(after: open)..<close])
    }

    /// The header bytes (magic, version 1.0, dict, padding to a multiple of 64 bytes).
    /// `minimumLength` reserves room so a streaming writer can rewrite the shape in place.
    public static func header(type: NPYType, shape: [Int], fortranOrder: Bool, minimumLength: Int = 0) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(type.rawValue)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shapeText), }"
        var total = 10 + dict.utf8.count + 1
        let target = max(minimumLength, ((total + 63) / 64) * 64)
        dict += String(repeating: " ", count: target - total)
        total = target
        dict += "\n"
        var data = Data(magic)
        data.append(contentsOf: [1, 0])
        let len = dict.utf8.count
        data.append(contentsOf: [UInt8(len & 0xFF), UInt8(len >> 8)])
        data.append(dict.data(using: .utf8)!)
        return data
    }

    /// Writes a float32 array in C order atomically.
    public static func write(_ values: [Float], shape: [Int], to path: String) throws {
        precondition(shape.reduce(1, *) == values.count, "NPY.write: shape \(shape) does not hold \(values.count) values")
        let file = try AtomicFile(destination: path)
        try file.write(header(type: .float32, shape: shape, fortranOrder: false))
        try file.write(contentsOf: values)
        try file.commit()
    }
}

/// Writes a float32 matrix of `rows` rows and a growing number of columns, column by column,
/// as a Fortran-ordered .npy (numpy loads it with shape [rows, columns]); the shape is written
/// when the file is finished, so memory stays bounded for arbitrarily many columns.
/// The file appears at its destination only after `finish()`.
public final class NPYColumnWriter {
    public let rows: Int
    public private(set) var columns = 0
    private let file: AtomicFile
    private let headerLength = 128

    /// `durable: false` skips the fsync before the final rename (see `AtomicFile.syncsOnCommit`).
    public init(path: String, rows: Int, durable: Bool = true) throws {
        self.rows = rows
        file = try AtomicFile(destination: path)
        file.syncsOnCommit = durable
        try file.write(NPY.header(type: .float32, shape: [rows, 0], fortranOrder: true, minimumLength: headerLength))
    }

    /// Appends columns stored contiguously, one column (`rows` values) after another.
    public func append(columnMajor values: UnsafeBufferPointer<Float>) throws {
        precondition(values.count % rows == 0, "NPYColumnWriter: \(values.count) values is not a whole number of \(rows)-row columns")
        try file.write(UnsafeRawBufferPointer(values))
        columns += values.count / rows
    }

    /// Applies `transform` to every stored value in place (a second pass over the file, in
    /// blocks, e.g. to clip to `max - top_db` once the maximum is known).
    public func transformInPlace(_ transform: (inout Float) -> Void) throws {
        let block = rows * 4096
        var buffer = [Float](repeating: 0, count: block)
        var done = 0
        let total = rows * columns
        while done < total {
            let n = min(block, total - done)
            let offset = headerLength + done * 4
            try buffer.withUnsafeMutableBytes { try file.read(at: offset, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<n * 4])) }
            for i in 0..<n { transform(&buffer[i]) }
            file.seek(to: offset)
            try buffer.withUnsafeBytes { try file.write(UnsafeRawBufferPointer(rebasing: $0[0..<n * 4])) }
            done += n
        }
        file.seek(to: headerLength + total * 4)
    }

    /// Reserves disk space for `columns` columns in all (see `AtomicFile.reserve`): only for a
    /// count that was checked, never a header's claim.
    public func reserve(columns: Int) {
        guard columns > 0, columns <= Int.max / 4 / max(1, rows) - headerLength else { return }
        file.reserve(bytes: headerLength + columns * rows * 4)
    }

    /// Writes the final shape and moves the file into place.
    public func finish() throws {
        try file.overwrite(at: 0, with: NPY.header(type: .float32, shape: [rows, columns], fortranOrder: true, minimumLength: headerLength))
        try file.commit()
    }

    /// Abandons the file; nothing appears at the destination.
    public func discard() { file.discard() }
}
