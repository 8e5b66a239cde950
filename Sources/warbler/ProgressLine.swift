// A one-line progress display on standard error for long work (only when stderr is a terminal).
import Foundation

final class ProgressLine {
    let label: String
    let total: Double
    let enabled: Bool
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(label: String, total: Double, enabled: Bool) {
        self.label = label
        self.total = max(total, 1)
        self.enabled = enabled && isatty(STDERR_FILENO) != 0
    }

    func update(_ done: Double, detail: String = "") {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) > 0.2 else { return }
        lastDraw = now
        let fraction = min(1, done / total)
        let elapsed = now.timeIntervalSince(started)
        let eta = fraction > 0.01 ? elapsed * (1 - fraction) / fraction : 0
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let text = String(format: "\r%@ [%@] %3.0f%%  %.1f s elapsed, ~%.0f s left %@", label, bar, fraction * 100, elapsed, eta,
                          detail.isEmpty ? "" : "(" + detail + ") ")
        FileHandle.standardError.write(Data(text.utf8))
        drawn = true
    }

    func finish() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        drawn = false
    }
}
