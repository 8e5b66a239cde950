// The output formats of `warbler detect --format`, and the files each writes under the output
// folder (every file written atomically, temp + rename):
//   cornell   cornell.csv               row_id,birds per 5-s row (the challenge's submission)
//   csv       scores.csv                row_id + one probability column per class (5-s rows)
//             detections.csv            recording,label,onset,offset,confidence (events)
//   raven     raven/<stem>.selections.txt per recording, raven/all.selections.txt combined
//   audacity  audacity/<stem>.txt       label tracks (start, end, "label (p)")
//   json      detections.json           classes, thresholds, every window's scores and event
//   sqlite    detections.sqlite         recordings, windows, scores and events tables
import Foundation

public enum OutputFormat: String, Codable, Sendable, CaseIterable {
    case cornell, csv, raven, audacity, json, sqlite

    /// Parses "cornell,csv,raven"; an unknown name is an error naming it and the known ones.
    public static func list(_ text: String) throws -> [OutputFormat] {
        var out: [OutputFormat] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !part.isEmpty {
            guard let f = OutputFormat(rawValue: part) else {
                throw DetectError("--format: unknown format '\(part)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if !out.contains(f) { out.append(f) }
        }
        guard !out.isEmpty else { throw DetectError("--format: no format given") }
        return out
    }
}

public struct DetectError: Error, CustomStringConvertible, LocalizedError, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}
