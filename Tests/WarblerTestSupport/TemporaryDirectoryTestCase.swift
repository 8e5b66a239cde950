// A fresh, empty folder for every test of a case, removed after it: the setUp/tearDown pair that
// test cases writing files had each repeated.
import Foundation
import XCTest

open class TemporaryDirectoryTestCase: XCTestCase {
    /// The start of the folder's name (a UUID follows), e.g. "warbler-mapped".
    open class var directoryPrefix: String { "warbler-test" }

    /// The test's folder: made before the test, removed with everything in it after.
    public private(set) var dir: String!

    override open func setUpWithError() throws {
        try super.setUpWithError()
        dir = NSTemporaryDirectory() + "\(Self.directoryPrefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override open func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
        try super.tearDownWithError()
    }
}
