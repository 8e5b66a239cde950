// A small CSV reader and writer (RFC 4180: comma-separated, fields with commas, quotes or line
// breaks quoted with doubled quotes inside). Enough for manifests (BirdCLEF's train.csv writes
// `secondary_labels` as a quoted Python list), submissions and result tables.
import Foundation

public struct CSVTable: Sendable {
    public let header: [String]
    public let rows: [[String]]

    /// The index of column `name`, or a FileError naming `path` and the columns it has.
    public func column(_ name: String, path: String) throws -> Int {
        guard let i = header.firstIndex(of: name) else {
            throw FileError(path: path, reason: "has no '\(name)' column (columns: \(header.joined(separator: ", ")))")
        }
        return i
    }
}

public enum CSV {
    /// Parses `text`; the first record is the header. Every row must have the header's field
    /// count (a trailing empty line is ignored).
    public static func parse(_ text: String, path: String = "<memory>") throws -> CSVTable {
        var records: [[String]] = []
        var field = ""
        var record: [String] = []
        var quoted = false
        var fieldWasQuoted = false
        var chars = Array(text.unicodeScalars)
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        var i = 0
        func endRecord() {
            record.append(field)
            if !(record.count == 1 && record[0].isEmpty && !fieldWasQuoted) { records.append(record) }
            record = []
            field = ""
            fieldWasQuoted = false
        }
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { field.unicodeScalars.append("\""); i += 1 } else { quoted = false }
                } else {
                    field.unicodeScalars.append(c)
                }
            } else {
                switch c {
                case "\"" where field.isEmpty: quoted = true; fieldWasQuoted = true
                case ",": record.append(field); field = ""; fieldWasQuoted = false
                case "\n": endRecord()
                case "\r": if i + 1 < chars.count && chars[i + 1] == "\n" { i += 1 }; endRecord()
                default: field.unicodeScalars.append(c)
                }
            }
            i += 1
        }
        if quoted { throw FileError(path: path, reason: "ends inside a quoted field (a missing closing quote)") }
        if !field.isEmpty || !record.isEmpty || fieldWasQuoted { endRecord() }
        guard let header = records.first else { throw FileError(path: path, reason: "is empty (no header line)") }
        let rows = Array(records.dropFirst())
        for (n, row) in rows.enumerated() where row.count != header.count {
            throw FileError(path: path, reason: "line \(n + 2) has \(row.count) fields but the header has \(header.count)")
        }
        return CSVTable(header: header, rows: rows)
    }

    /// Reads and parses the file at `path`.
    public static func read(_ path: String) throws -> CSVTable {
        guard FileManager.default.fileExists(atPath: path) else { throw FileError(path: path, reason: "no such file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw FileError(path: path, reason: "cannot be read") }
        guard let text = String(data: data, encoding: .utf8) else { throw FileError(path: path, reason: "is not UTF-8 text") }
        return try parse(text, path: path)
    }

    /// One field, quoted when it holds a comma, a quote or a line break.
    public static func escaped(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The text of a table: header and rows, one record a line.
    public static func format(header: [String], rows: [[String]]) -> String {
        ([header] + rows).map { $0.map(escaped).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}
