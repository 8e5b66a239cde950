// Frames max-pooled in time into columns: how a recording of any length becomes a picture of
// bounded width (the `spectrogram` PNG, the review report's pages).
import Foundation

/// Frame-major frames of `rows` values, max-pooled in groups of `factor` frames into columns.
public struct MaxPooledColumns: Sendable {
    public let rows: Int
    public let factor: Int
    /// The completed columns, frame-major.
    public private(set) var values: [Float] = []
    private var partial: [Float]
    private var inPartial = 0

    public init(rows: Int, factor: Int) {
        precondition(rows > 0 && factor > 0, "MaxPooledColumns: rows and factor must be positive")
        self.rows = rows
        self.factor = factor
        partial = [Float](repeating: -.infinity, count: rows)
    }

    /// Pools so that `expectedFrames` frames make at most `maxColumns` columns.
    public init(rows: Int, expectedFrames: Int, maxColumns: Int) {
        self.init(rows: rows, factor: max(1, (max(1, expectedFrames) + maxColumns - 1) / maxColumns))
    }

    /// Columns so far, a partly filled last one included.
    public var columnCount: Int { values.count / rows + (inPartial > 0 ? 1 : 0) }

    /// Adds whole frames (frame-major, a multiple of `rows` values).
    public mutating func add(_ frames: UnsafeBufferPointer<Float>) {
        precondition(frames.count % rows == 0, "MaxPooledColumns.add: \(frames.count) values are not whole frames of \(rows)")
        var i = 0
        while i < frames.count {
            for r in 0..<rows { partial[r] = Swift.max(partial[r], frames[i + r]) }
            i += rows
            inPartial += 1
            if inPartial == factor { flushPartial() }
        }
    }

    public mutating func add(_ frames: [Float]) {
        frames.withUnsafeBufferPointer { add($0) }
    }

    private mutating func flushPartial() {
        values.append(contentsOf: partial)
        for r in 0..<rows { partial[r] = -.infinity }
        inPartial = 0
    }

    /// Raises every value below `floor` to it (top_db, applied once the maximum is known).
    public mutating func clamp(below floor: Float) {
        if inPartial > 0 { flushPartial() }
        for i in values.indices where values[i] < floor { values[i] = floor }
    }

    /// Every column, frame-major, a partly filled last one included.
    public var all: [Float] { inPartial > 0 ? values + partial : values }
}
