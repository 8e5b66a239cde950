// TickFormat: the text of tick labels: plain decimals, clock times, and frequencies in Hz/kHz.
import Foundation

enum TickFormat {
    /// `value` with at most `decimals` places, trailing zeros dropped: 0.5 -> "0.5", 1.0 -> "1",
    /// -0.0 -> "0".
    static func decimal(_ value: Double, decimals: Int) -> String {
        var text = String(format: "%.\(max(0, decimals))f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        if text == "-0" { text = "0" }
        return text
    }

    /// Seconds as a clock, rounded to the second: "h:mm:ss" with hours, else "m:ss" (minutes
    /// may exceed 59). Negative times get a leading "-".
    static func clock(_ seconds: Double, withHours: Bool) -> String {
        let total = Int(abs(seconds).rounded())
        let sign = seconds < 0 && total > 0 ? "-" : ""
        let secondsPart = twoDigits(total % 60)
        if withHours {
            return "\(sign)\(total / 3600):\(twoDigits((total % 3600) / 60)):\(secondsPart)"
        }
        return "\(sign)\(total / 60):\(secondsPart)"
    }

    /// A frequency: below 1 kHz in Hz ("500", "62.5"), above in kHz with a "k" ("1k", "2.5k", "12k").
    static func hertz(_ hz: Double) -> String {
        if abs(hz) < 1000 { return decimal(hz, decimals: 2) }
        return decimal(hz / 1000, decimals: 3) + "k"
    }

    private static func twoDigits(_ n: Int) -> String {
        n < 10 ? "0\(n)" : "\(n)"
    }
}
