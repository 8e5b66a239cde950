// Frames pooled into picture columns: the maximum of each group, the partial last column kept.
import WarblerPlot
import XCTest

final class MaxPooledColumnsTests: XCTestCase {
    func testGroupsOfFactorFramesKeepTheirMaximum() {
        // 7 frames of 2 rows: frame f holds (f, -f).
        var p = MaxPooledColumns(rows: 2, factor: 3)
        let frames = (0..<7).flatMap { [Float($0), -Float($0)] }
        p.add(Array(frames[0..<4]))  // two frames at a time, groups crossing calls
        p.add(Array(frames[4...]))
        XCTAssertEqual(p.columnCount, 3)
        XCTAssertEqual(p.values, [2, 0, 5, -3])
        XCTAssertEqual(p.all, [2, 0, 5, -3, 6, -6])
        p.clamp(below: -2)
        XCTAssertEqual(p.all, [2, 0, 5, -2, 6, -2])
    }

    func testExpectedFramesBoundTheColumns() {
        for (frames, maxColumns) in [(1, 1600), (1600, 1600), (1601, 1600), (30_001, 1600), (10, 3)] {
            var p = MaxPooledColumns(rows: 1, expectedFrames: frames, maxColumns: maxColumns)
            p.add([Float](repeating: 1, count: frames))
            XCTAssertLessThanOrEqual(p.columnCount, maxColumns, "\(frames) frames")
            XCTAssertEqual(p.columnCount, (frames + p.factor - 1) / p.factor)
        }
    }
}
