// NiceNumbers: "nice" tick steps (1, 2, 5 x 10^k, and clock-friendly steps) and their multiples.
import Foundation

enum NiceNumbers {
    /// The smallest step of the form 1, 2 or 5 x 10^k that is at least `minimum` (> 0).
    static func step125(atLeast minimum: Double) -> Double {
        precondition(minimum > 0 && minimum.isFinite, "NiceNumbers: step bound \(minimum) must be positive")
        let decade = pow(10, (log10(minimum)).rounded(.down))
        for mantissa in [1.0, 2, 5, 10] where mantissa * decade >= minimum * (1 - 1e-9) {
            return mantissa * decade
        }
        return 10 * decade
    }

    /// Steps (seconds) that read well on an m:ss or h:mm:ss clock, ascending. Beyond a day the
    /// steps continue as 1, 2, 5 x 10^k days.
    static func clockStep(atLeast minimum: Double) -> Double {
        let steps: [Double] = [
            1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
            3600, 7200, 10800, 21600, 43200, 86400,
        ]
        if let step = steps.first(where: { $0 >= minimum * (1 - 1e-9) }) { return step }
        return 86400 * step125(atLeast: minimum / 86400)
    }

    /// Every multiple of `step` inside `range` (ends included, with a little rounding slack),
    /// computed as `k * step` so values such as 0.3 come out as close to exact as possible.
    static func multiples(of step: Double, in range: ClosedRange<Double>) -> [Double] {
        guard step > 0, range.lowerBound.isFinite, range.upperBound.isFinite else { return [] }
        let slack = step * 1e-9
        let first = ((range.lowerBound - slack) / step).rounded(.up)
        let last = ((range.upperBound + slack) / step).rounded(.down)
        guard first <= last, last - first < 100_000 else { return [] }
        return stride(from: first, through: last, by: 1).map { $0 * step }
    }

    /// Decimal places that show every multiple of a 1-2-5 `step` exactly (0.5 -> 1, 0.05 -> 2, 20 -> 0).
    static func decimals(forStep step: Double) -> Int {
        guard step > 0, step.isFinite else { return 0 }
        return max(0, Int((-log10(step) - 1e-9).rounded(.up)))
    }
}
