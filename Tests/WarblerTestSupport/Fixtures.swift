// Golden fixtures written by tools/fixtures/*.py, and the comparisons the tests make with them.
// A missing fixture fails the test with the script to re-run; it never skips.
import Foundation
import WarblerIO
import WarblerTensor

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

/// Compares `actual` with `reference` elementwise under `atol + rtol * |reference|`; NaNs must
/// coincide (WarblerTensor's `Disagreement`, the comparison the device parity checks use too).
public func compare(_ actual: [Float], _ reference: [Float], atol: Float, rtol: Float) -> Disagreement {
    Disagreement(actual, reference, atol: Double(atol), rtol: Double(rtol))
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
