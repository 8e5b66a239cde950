// Golden fixtures written by tools/fixtures/*.py, and the comparisons the tests make with them.
// A missing fixture fails the test with the script to re-run; it never skips.
import Foundation
import WarblerIO

public enum Fixtures {
    /// Tests/Fixtures in the source tree.
    public static let root: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").path
    }()

    public static func path(_ relative: String) -> String { root + "/" + relative }

    /// Loads an .npy fixture; a missing one throws with a hint naming the script that writes it.
    public static func array(_ relative: String, script: String) throws -> NPYArray {
        let p = path(relative)
        guard FileManager.default.fileExists(atPath: p) else {
            throw FileError(path: p, reason: "fixture missing: re-run `python tools/fixtures/\(script)` (versions in tools/fixtures/requirements.txt).")
        }
        return try NPY.read(p)
    }

    public static func json(_ relative: String, script: String) throws -> Any {
        let p = path(relative)
        guard let data = FileManager.default.contents(atPath: p) else {
            throw FileError(path: p, reason: "fixture missing: re-run `python tools/fixtures/\(script)`.")
        }
        return try JSONSerialization.jsonObject(with: data)
    }
}

/// The worst disagreement between two arrays, for messages and tolerance checks.
public struct Disagreement: CustomStringConvertible {
    public var maxAbs: Float = 0
    public var maxAbsIndex = -1
    public var maxRel: Float = 0
    /// Elements outside `atol + rtol * |reference|`.
    public var violations = 0
    public var firstViolation = -1

    public var description: String {
        "max |diff| \(maxAbs) at \(maxAbsIndex), max rel \(maxRel), \(violations) outside tolerance (first at \(firstViolation))"
    }
}

/// Compares `actual` with `reference` elementwise under `atol + rtol * |reference|`.
/// NaNs must coincide.
public func compare(_ actual: [Float], _ reference: [Float], atol: Float, rtol: Float) -> Disagreement {
    precondition(actual.count == reference.count, "compare: \(actual.count) vs \(reference.count) elements")
    var d = Disagreement()
    for i in 0..<actual.count {
        let a = actual[i], r = reference[i]
        if a.isNaN || r.isNaN {
            if a.isNaN != r.isNaN { d.violations += 1; if d.firstViolation < 0 { d.firstViolation = i } }
            continue
        }
        let diff = abs(a - r)
        if diff > d.maxAbs { d.maxAbs = diff; d.maxAbsIndex = i }
        if r != 0 { d.maxRel = max(d.maxRel, diff / abs(r)) }
        if diff > atol + rtol * abs(r) {
            d.violations += 1
            if d.firstViolation < 0 { d.firstViolation = i }
        }
    }
    return d
}

/// Units in the last place between two floats (0 when bit-identical).
public func ulpDistance(_ a: Float, _ b: Float) -> Int {
    if a == b { return 0 }
    func ordered(_ x: Float) -> Int64 {
        let bits = Int64(Int32(bitPattern: x.bitPattern))
        return bits < 0 ? Int64(Int32.min) - bits : bits
    }
    return Int(abs(ordered(a) - ordered(b)))
}
