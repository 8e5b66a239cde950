// Fixtures loaded as tensors, and the tolerance check the model and layer tests share: a
// comparison that records the worst error seen, which each test prints so tolerances can be
// checked against what is actually measured.
import Foundation
import WarblerIO
import WarblerTensor
import XCTest

/// The fixtures of one tools/fixtures script, under Tests/Fixtures/<folder>.
public struct TensorFixtures: Sendable {
    public let folder: String
    public let script: String

    public init(folder: String, script: String) {
        self.folder = folder
        self.script = script
    }

    public func array(_ relative: String) throws -> NPYArray {
        try Fixtures.array(folder + "/" + relative, script: script)
    }

    public func tensor(_ relative: String, requiresGrad: Bool = false) throws -> Tensor {
        let a = try array(relative)
        return try Tensor(a.floats(), shape: Shape(a.shape), requiresGrad: requiresGrad)
    }

    public func json(_ relative: String) throws -> [String: Any] {
        try Fixtures.json(folder + "/" + relative, script: script) as! [String: Any]
    }
}

/// The worst absolute and relative errors over a group of comparisons.
public struct WorstError: CustomStringConvertible {
    public var abs: Float = 0
    public var rel: Float = 0
    public init() {}
    public var description: String { String(format: "max |diff| %.3g, max rel %.3g", abs, rel) }

    public mutating func record(_ d: Disagreement) {
        abs = max(abs, d.maxAbs)
        rel = max(rel, d.maxRel)
    }
}

/// Asserts `actual` matches `reference` in shape and within `atol + rtol * |reference|`.
public func assertClose(
    _ actual: Tensor?, _ reference: NPYArray, atol: Float, rtol: Float, _ what: String,
    worst: inout WorstError, file: StaticString = #filePath, line: UInt = #line
) {
    guard let actual else { return XCTFail("\(what): missing", file: file, line: line) }
    XCTAssertEqual(actual.shape.dims, reference.shape, "\(what): shape", file: file, line: line)
    guard actual.shape.dims == reference.shape else { return }
    let d = compare(actual.toArray(), reference.floats(), atol: atol, rtol: rtol)
    worst.record(d)
    XCTAssertEqual(d.violations, 0, "\(what): \(d)", file: file, line: line)
}

/// Asserts `actual` matches the reference tensor in shape and within `atol + rtol * |reference|`.
public func assertClose(
    _ actual: Tensor?, _ reference: Tensor, atol: Float, rtol: Float, _ what: String,
    worst: inout WorstError, file: StaticString = #filePath, line: UInt = #line
) {
    guard let actual else { return XCTFail("\(what): missing", file: file, line: line) }
    XCTAssertEqual(actual.shape, reference.shape, "\(what): shape", file: file, line: line)
    guard actual.shape == reference.shape else { return }
    let d = compare(actual.toArray(), reference.toArray(), atol: atol, rtol: rtol)
    worst.record(d)
    XCTAssertEqual(d.violations, 0, "\(what): \(d)", file: file, line: line)
}
