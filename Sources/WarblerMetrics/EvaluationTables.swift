// The files `warbler evaluate` reads, all CSV with a header:
// - segment labels, the Cornell submission format: `row_id,birds`, birds space-separated or
//   `nocall` (also the ground truth's format);
// - segment scores: `row_id` then one column per class holding probabilities (what
//   `warbler detect --format csv` writes per window);
// - events: `recording,label,onset,offset` (seconds).
import Foundation
import WarblerIO

/// Labels per segment row, by row id, in file order.
public struct SegmentLabels: Sendable {
    public var rowIDs: [String]
    public var labels: [String: Set<String>]
}

/// Class probabilities per segment row, by row id, in file order.
public struct SegmentScores: Sendable {
    public var rowIDs: [String]
    public var classes: [String]
    public var scores: [String: [Float]]

    /// The labels of each row at `threshold` (per class; a single value applies to all).
    public func labels(threshold: (String) -> Float) -> SegmentLabels {
        var out: [String: Set<String>] = [:]
        for id in rowIDs {
            let s = scores[id]!
            out[id] = Set(classes.indices.filter { s[$0] >= threshold(classes[$0]) }.map { classes[$0] })
        }
        return SegmentLabels(rowIDs: rowIDs, labels: out)
    }
}

/// A predictions file: labels (a submission) or scores.
public enum SegmentPredictions: Sendable {
    case labels(SegmentLabels)
    case scores(SegmentScores)
}

public enum EvaluationTables {
    /// Reads a `row_id,birds` file; `nocall` (any case) and empty cells mean no bird.
    public static func readLabels(_ path: String) throws -> SegmentLabels {
        try labels(from: CSV.read(path), path: path)
    }

    /// Refuses a table with a repeated column name (which of the two would count?) or with no
    /// row at all (an empty file scores nothing; reporting a perfect 1.0 would be a lie).
    static func checkShape(_ table: CSVTable, path: String, allowNoRows: Bool = false) throws {
        var seen = Set<String>()
        for name in table.header where !seen.insert(name).inserted {
            throw FileError(path: path, reason: "the column '\(name)' appears more than once")
        }
        if table.rows.isEmpty && !allowNoRows { throw FileError(path: path, reason: "has a header but no rows") }
    }

    static func labels(from table: CSVTable, path: String) throws -> SegmentLabels {
        try checkShape(table, path: path)
        let idColumn = try table.column("row_id", path: path), birdColumn = try table.column("birds", path: path)
        var ids: [String] = [], labels: [String: Set<String>] = [:]
        for row in table.rows {
            let id = row[idColumn]
            guard labels[id] == nil else { throw FileError(path: path, reason: "row_id '\(id)' appears twice") }
            let birds = row[birdColumn].split(separator: " ").map(String.init)
                .filter { !$0.isEmpty && $0.lowercased() != RowWiseF1.nocall }
            ids.append(id)
            labels[id] = Set(birds)
        }
        return SegmentLabels(rowIDs: ids, labels: labels)
    }

    /// Reads a predictions file: a `birds` column makes it labels, else every column but
    /// `row_id` must hold numbers (class scores).
    public static func readPredictions(_ path: String) throws -> SegmentPredictions {
        let table = try CSV.read(path)
        if table.header.contains("birds") { return .labels(try labels(from: table, path: path)) }
        try checkShape(table, path: path)
        let idColumn = try table.column("row_id", path: path)
        let classColumns = table.header.indices.filter { $0 != idColumn }
        guard !classColumns.isEmpty else {
            throw FileError(path: path, reason: "has neither a 'birds' column nor class score columns")
        }
        var ids: [String] = [], scores: [String: [Float]] = [:]
        for (n, row) in table.rows.enumerated() {
            let id = row[idColumn]
            guard scores[id] == nil else { throw FileError(path: path, reason: "row_id '\(id)' appears twice") }
            scores[id] = try classColumns.map { c in
                guard let v = Float(row[c]), v.isFinite else {
                    throw FileError(path: path, reason: "line \(n + 2), column '\(table.header[c])': '\(row[c])' is not a score")
                }
                return v
            }
            ids.append(id)
        }
        return .scores(SegmentScores(rowIDs: ids, classes: classColumns.map { table.header[$0] }, scores: scores))
    }

    /// Reads a `recording,label,onset,offset` events file.
    /// A predicted-events file may have no rows (nothing was detected); `allowNoRows: false`
    /// (for the truth) refuses one.
    public static func readEvents(_ path: String, allowNoRows: Bool = true) throws -> [SoundEvent] {
        let table = try CSV.read(path)
        try checkShape(table, path: path, allowNoRows: allowNoRows)
        let r = try table.column("recording", path: path), l = try table.column("label", path: path)
        let on = try table.column("onset", path: path), off = try table.column("offset", path: path)
        return try table.rows.enumerated().map { n, row in
            guard let onset = Double(row[on]), let offset = Double(row[off]), onset.isFinite, offset >= onset else {
                throw FileError(path: path, reason: "line \(n + 2): onset '\(row[on])' and offset '\(row[off])' are not times with offset >= onset")
            }
            return SoundEvent(recording: row[r], label: row[l], onset: onset, offset: offset)
        }
    }
}
