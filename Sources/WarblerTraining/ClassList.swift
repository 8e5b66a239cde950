// The class list: the labels a model predicts, sorted, in a stable order that is saved with the
// checkpoint so that output column k always means the same species.
import Foundation

/// Sorted, unique class labels. Column `k` of a label vector or a model output is `labels[k]`.
public struct ClassList: Codable, Sendable, Equatable {
    /// The labels in column order (sorted by Unicode code points, so the order is the same on
    /// every machine and locale).
    public let labels: [String]
    private let positions: [String: Int]

    /// Sorts and de-duplicates `labels`.
    public init<S: Sequence>(_ labels: S) where S.Element == String {
        let sorted = Set(labels).sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        self.labels = sorted
        var p: [String: Int] = [:]
        for (i, l) in sorted.enumerated() { p[l] = i }
        positions = p
    }

    public var count: Int { labels.count }

    /// The column of `label`, or nil when it is not a class.
    public func index(of label: String) -> Int? { positions[label] }

    public subscript(index: Int) -> String { labels[index] }

    private enum CodingKeys: String, CodingKey { case labels }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let labels = try c.decode([String].self, forKey: .labels)
        self.init(labels)
        guard self.labels == labels else {
            throw DecodingError.dataCorruptedError(
                forKey: .labels, in: c,
                debugDescription: "the saved class list is not sorted and unique, so its column order is ambiguous")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(labels, forKey: .labels)
    }

    public static func == (a: ClassList, b: ClassList) -> Bool { a.labels == b.labels }
}
