// The vectorised exp, sigmoid and tanh (VectorMath.swift) against float64 references (glibc's
// exp and tanh in Double, within a few double ulps: the exact value to far below a float32 ulp).
// Error is measured in ulps of the float32 spacing at the exact value (2^-149 below the normal
// range) over a dense sweep of [-90, 90], denser sweeps where the functions bend, tiny
// magnitudes, and the special values.
//
// Bounds: over every float32 with |x| <= 104 (a one-off exhaustive run) the worst cases are
// exp 0.78 ulp (subnormal results near -87.7; 0.69 where the result is normal), sigmoid 1.47 ulp
// (x near -6.2, where e^x's own error passes straight through) and tanh 0.94 ulp (x just above
// 0.875, the switch from the polynomial to the exp form); this sweep finds 0.77, 1.47 and 0.93.
// The asserted bounds leave a little room above those.
import Foundation
import XCTest
@testable import WarblerTensor

final class VectorMathTests: XCTestCase {
    /// |y - exact| in float32 ulps at `exact`.
    private func ulps(_ y: Float, _ exact: Double) -> Double {
        // 2^(floor(log2 |exact|) - 23), and 2^-149 throughout the subnormal range.
        let spacing = Double(sign: .plus, exponent: Swift.max(Swift.abs(exact).exponent, -126) - 23, significand: 1)
        return Swift.abs(Double(y) - exact) / spacing
    }

    /// The sweep: 2^22 points over [-90, 90], 2^21 over [-12, 12] and over [-2, 2], and
    /// magnitudes from 1e-45 to 1 spaced by 0.1% of either sign. 2^23 + a few thousand values,
    /// deliberately not a multiple of 16 so the padded tail is exercised too.
    private func sweep() -> [Float] {
        var xs: [Float] = []
        xs.reserveCapacity((1 << 23) + 200_000)
        for (lo, hi, n) in [(-90.0, 90.0, 1 << 22), (-12.0, 12.0, 1 << 21), (-2.0, 2.0, 1 << 21)] {
            for i in 0..<n { xs.append(Float(lo + (hi - lo) * Double(i) / Double(n - 1))) }
        }
        var m = 1e-45
        while m < 1 {
            xs.append(Float(m))
            xs.append(-Float(m))
            m *= 1.001
        }
        xs.append(contentsOf: [0, -0.0, 0.875, -0.875, Float(0.875).nextDown, 20, 88.72, -87.33, -103.9])
        return xs
    }

    private func apply(_ xs: [Float], _ f: (VectorMath.V) -> VectorMath.V) -> [Float] {
        var ys = [Float](repeating: .nan, count: xs.count)
        xs.withUnsafeBufferPointer { s in
            ys.withUnsafeMutableBufferPointer { d in VectorMath.map(s.baseAddress!, d.baseAddress!, count: xs.count, f) }
        }
        return ys
    }

    /// The worst ulp error of `f` over the sweep against `exact`, skipping exact values beyond
    /// float32's range (there the result must be inf, checked in testSpecialValues).
    private func worst(_ f: (VectorMath.V) -> VectorMath.V, _ exact: (Double) -> Double) -> (ulps: Double, at: Float) {
        let xs = sweep()
        let ys = apply(xs, f)
        var worst = (ulps: 0.0, at: Float.nan)
        for (x, y) in zip(xs, ys) {
            let e = exact(Double(x))
            guard Swift.abs(e) <= Double(Float.greatestFiniteMagnitude) else { continue }
            let u = ulps(y, e)
            if !(u <= worst.ulps) { worst = (u, x) }
        }
        return worst
    }

    func testExpIsWithinOneUlp() {
        let w = worst(VectorMath.exp, Foundation.exp)
        print("exp: worst \(w.ulps) ulp at \(w.at)")
        XCTAssertLessThanOrEqual(w.ulps, 0.85, "exp at \(w.at)")
    }

    func testSigmoidIsWithinOneAndAHalfUlps() {
        let w = worst(VectorMath.sigmoid) { 1 / (1 + Foundation.exp(-$0)) }
        print("sigmoid: worst \(w.ulps) ulp at \(w.at)")
        XCTAssertLessThanOrEqual(w.ulps, 1.6, "sigmoid at \(w.at)")
    }

    func testTanhIsWithinOneUlp() {
        let w = worst(VectorMath.tanh, Foundation.tanh)
        print("tanh: worst \(w.ulps) ulp at \(w.at)")
        XCTAssertLessThanOrEqual(w.ulps, 1.0, "tanh at \(w.at)")
    }

    func testSpecialValues() {
        let inf = Float.infinity
        XCTAssertEqual(VectorMath.exp(0), 1)
        XCTAssertEqual(VectorMath.exp(inf), inf)
        XCTAssertEqual(VectorMath.exp(-inf), 0)
        XCTAssertTrue(VectorMath.exp(.nan).isNaN)
        XCTAssertEqual(VectorMath.exp(88.72), 3.3931806e38)  // just below the overflow threshold
        XCTAssertEqual(VectorMath.exp(88.73), inf)
        XCTAssertEqual(VectorMath.exp(1000), inf)
        XCTAssertEqual(VectorMath.exp(-103.9), Float.leastNonzeroMagnitude)  // 1.5e-45 rounds to 2^-149
        XCTAssertEqual(VectorMath.exp(-104), 0)
        XCTAssertEqual(VectorMath.exp(-1000), 0)

        XCTAssertEqual(VectorMath.sigmoid(0), 0.5)
        XCTAssertEqual(VectorMath.sigmoid(inf), 1)
        XCTAssertEqual(VectorMath.sigmoid(-inf), 0)
        XCTAssertEqual(VectorMath.sigmoid(100), 1)
        XCTAssertEqual(VectorMath.sigmoid(-200), 0)
        XCTAssertTrue(VectorMath.sigmoid(.nan).isNaN)

        XCTAssertEqual(VectorMath.tanh(0).bitPattern, Float(0).bitPattern)
        XCTAssertEqual(VectorMath.tanh(-0.0).bitPattern, Float(-0.0).bitPattern)
        XCTAssertEqual(VectorMath.tanh(1e-40), 1e-40)  // subnormal: tanh(x) = x
        XCTAssertEqual(VectorMath.tanh(-3e-20), -3e-20)
        XCTAssertEqual(VectorMath.tanh(inf), 1)
        XCTAssertEqual(VectorMath.tanh(-inf), -1)
        XCTAssertEqual(VectorMath.tanh(10), 1)
        XCTAssertEqual(VectorMath.tanh(-1e30), -1)
        XCTAssertTrue(VectorMath.tanh(.nan).isNaN)
    }

    /// The activations never step backwards (a sawtooth at the tanh branch switch would); tanh
    /// and sigmoid stay inside their ranges.
    func testMonotoneAndBounded() {
        let xs = sweep().filter { !$0.isNaN }.sorted()
        for (name, f) in [("exp", VectorMath.exp), ("sigmoid", VectorMath.sigmoid), ("tanh", VectorMath.tanh)] as [(String, (VectorMath.V) -> VectorMath.V)] {
            let ys = apply(xs, f)
            for i in 1..<ys.count where ys[i] < ys[i - 1] {
                XCTFail("\(name) decreases from \(xs[i - 1]) -> \(ys[i - 1]) to \(xs[i]) -> \(ys[i])")
                break
            }
            if name != "exp" {
                XCTAssertTrue(ys.allSatisfy { $0 >= (name == "tanh" ? -1 : 0) && $0 <= 1 }, "\(name) leaves its range")
            }
        }
    }

    /// A value gets the same bits in a full vector and in the padded tail.
    func testResultsDoNotDependOnPosition() {
        let xs: [Float] = (0..<37).map { Float($0) * 0.37 - 6 }
        for f in [VectorMath.exp, VectorMath.sigmoid, VectorMath.tanh] as [(VectorMath.V) -> VectorMath.V] {
            let whole = apply(xs, f)
            for start in [0, 5, 21, 33] {
                let part = apply(Array(xs[start...]), f)
                XCTAssertEqual(part.map(\.bitPattern), whole[start...].map(\.bitPattern), "from \(start)")
            }
        }
    }
}
