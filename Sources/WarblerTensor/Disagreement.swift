// The one tolerance comparison of two float arrays: |actual - reference| <= atol + rtol |reference|
// elementwise, NaNs only where the reference has them. The PyTorch fixture tests (through
// WarblerTestSupport's `compare`) and the device and reference parity checks (`ParityResult`)
// both use it.
import Foundation

/// The worst disagreement between two arrays, for messages and tolerance checks.
public struct Disagreement: Sendable, CustomStringConvertible {
    /// Elements compared (the reference's count).
    public var elements = 0
    public var maxAbs: Float = 0
    public var maxAbsIndex = -1
    /// The largest |diff| / |reference| over elements whose reference is not 0.
    public var maxRel: Float = 0
    /// Elements outside `atol + rtol * |reference|` (NaN in one array only included); every
    /// element when the counts differ.
    public var violations = 0
    public var firstViolation = -1
    /// Whether the arrays have different counts (nothing else is compared then).
    public var countMismatch = false

    public var description: String {
        if countMismatch { return "\(violations) elements expected, counts differ" }
        return "max |diff| \(maxAbs) at \(maxAbsIndex), max rel \(maxRel), \(violations) outside tolerance (first at \(firstViolation))"
    }

    /// Compares `actual` with `reference` elementwise under `atol + rtol * |reference|` (in
    /// Double, so the bound itself does not round). Equal values (infinities included) agree;
    /// NaNs must coincide.
    public init(_ actual: [Float], _ reference: [Float], atol: Double, rtol: Double) {
        elements = reference.count
        guard actual.count == reference.count else {
            countMismatch = true
            violations = Swift.max(1, Swift.max(actual.count, reference.count))
            firstViolation = 0
            return
        }
        for i in 0..<actual.count {
            let a = actual[i], r = reference[i]
            if a.isNaN || r.isNaN {
                if a.isNaN != r.isNaN { violate(i) }
                continue
            }
            if a == r { continue }
            let diff = Swift.abs(Double(a) - Double(r))
            if Float(diff) > maxAbs { maxAbs = Float(diff); maxAbsIndex = i }
            if r != 0 { maxRel = Swift.max(maxRel, Float(diff / Swift.abs(Double(r)))) }
            if !(diff <= atol + rtol * Swift.abs(Double(r))) { violate(i) }
        }
    }

    private mutating func violate(_ i: Int) {
        violations += 1
        if firstViolation < 0 { firstViolation = i }
    }
}

/// One comparison of a backend's result with a reference result (the CPU's for device parity,
/// the reference backend's for reference parity).
public struct ParityResult: Sendable, CustomStringConvertible {
    public let name: String
    public let device: Device
    public let elements: Int
    /// Largest |actual - expected| and the largest |actual - expected| / |expected|.
    public let maxAbsoluteError: Double
    public let maxRelativeError: Double
    public let atol: Double
    public let rtol: Double
    /// Elements outside atol + rtol |expected|.
    public let mismatches: Int
    /// Where the primitive ran when not wholly on the device (e.g. "host fallback").
    public let note: String?
    public var passed: Bool { mismatches == 0 }

    public var description: String {
        let status = passed ? "ok  " : "FAIL"
        return String(
            format: "%@ %-34@ %9d elems  max abs %.2e  max rel %.2e  (atol %.0e, rtol %.0e)%@",
            status, name, elements, maxAbsoluteError, maxRelativeError, atol, rtol,
            note.map { "  [\($0)]" } ?? "" + (passed ? "" : "  \(mismatches) mismatches"))
    }

    /// Compares `actual` (the device's) with `expected` (the reference's).
    public static func compare(
        _ name: String, device: Device, expected: [Float], actual: [Float], atol: Double, rtol: Double,
        note: String? = nil
    ) -> ParityResult {
        let d = Disagreement(actual, expected, atol: atol, rtol: rtol)
        return ParityResult(
            name: name, device: device, elements: expected.count, maxAbsoluteError: Double(d.maxAbs),
            maxRelativeError: Double(d.maxRel), atol: atol, rtol: rtol, mismatches: d.violations, note: note)
    }
}

/// A small deterministic generator (xorshift64*) for parity inputs.
public struct ParityRandom: Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    public mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
    public mutating func uniform(_ lo: Float, _ hi: Float) -> Float {
        lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24)
    }
    public mutating func array(_ n: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] { (0..<n).map { _ in uniform(lo, hi) } }
}
