// Raven and Audacity tables are tab-separated with no quoting: a recording named with a tab or
// a line break (issue 12) must not shift or split rows.
import Foundation
import XCTest
@testable import WarblerDetect

final class TabSeparatedNamesTests: XCTestCase {
    func testTabsAndLineBreaksInNamesKeepEveryRowWhole() {
        let e = DetectedEvent(recording: "a\tb", label: "syn\n01", onset: 1, offset: 2, confidence: 0.9)
        let table = ResultWriters.raven([(e, "/data/a\tb\r\nc.wav"), (e, "/data/plain.wav")])
        let lines = table.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, 3, table)
        let columns = lines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).count }
        XCTAssertEqual(Set(columns), [10], table)
        XCTAssertTrue(lines[1].contains("a b  c.wav"), String(lines[1]))
        XCTAssertEqual(ResultWriters.tabField("x\u{0}y\u{7F}z"), "x y z")
    }
}
