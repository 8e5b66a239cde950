// Progress of long work on standard error, wherever it goes: on a terminal a bar redrawn in
// place; otherwise (a log file, a pipe, nohup, a batch job) a plain line every
// WARBLER_PROGRESS_SECONDS seconds (default 10; 0 prints one at every update), so that a log
// shows how far a long run is and how long it has left. `BatchProgress` counts a batch of
// recordings (files i/N, hours of audio, speed as a multiple of real time, time left).
import Foundation

public final class ProgressLine {
    public enum Style: Equatable {
        /// Not shown (--quiet).
        case off
        /// A bar redrawn in place (standard error is a terminal).
        case bar
        /// A plain line at most every `seconds` seconds.
        case lines(every: Double)
    }

    /// Seconds between plain progress lines when WARBLER_PROGRESS_SECONDS is unset or not a number.
    public static let defaultLineSeconds = 10.0

    /// How progress shows: off when not `enabled`, a bar on a terminal, lines otherwise.
    public static func style(
        enabled: Bool, terminal: Bool = isatty(STDERR_FILENO) != 0,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Style {
        guard enabled else { return .off }
        if terminal { return .bar }
        let seconds = environment["WARBLER_PROGRESS_SECONDS"].flatMap { Double($0) }.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
        return .lines(every: seconds ?? defaultLineSeconds)
    }

    public let label: String
    public let total: Double
    public let style: Style
    /// Work counted as done without being done by this run (results reused from an earlier
    /// run): left out of the rate behind the time left.
    public var reused: Double = 0
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false

    public init(label: String, total: Double, enabled: Bool) {
        self.label = label
        self.total = max(total, 1e-9)
        style = Self.style(enabled: enabled)
    }

    /// `done` of `total` units; `detail` (made only when something is printed) says what they are.
    public func update(_ done: Double, detail: @autoclosure () -> String = "") {
        let now = Date()
        switch style {
        case .off: return
        case .bar: guard now.timeIntervalSince(lastDraw) > 0.2 else { return }
        case .lines(let every):
            // The first line after one interval: a run shorter than that prints none.
            let last = lastDraw == .distantPast ? started : lastDraw
            guard now.timeIntervalSince(last) >= every else { return }
        }
        lastDraw = now
        let fraction = min(1, max(0, done / total))
        let elapsed = now.timeIntervalSince(started)
        let worked = done - reused
        let left = worked > 0 && elapsed > 0 ? "~" + Self.duration(max(0, total - done) * elapsed / worked) + " left" : "time left unknown"
        let text = detail()
        if style == .bar {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let line =
                String(format: "\r%@ [%@] %3.0f%%  %@ elapsed, %@", label, bar, fraction * 100, Self.duration(elapsed), left)
                + (text.isEmpty ? "" : " (" + text + ")") + "\u{1B}[K"
            FileHandle.standardError.write(Data(line.utf8))
            drawn = true
            Self.barOnScreen = true
        } else {
            let line =
                label + ": " + (text.isEmpty ? "" : text + ", ")
                + String(format: "%.0f%%, ", fraction * 100) + Self.duration(elapsed) + " elapsed, " + left + "\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    /// Clears the bar (before other output, and at the end); lines need no clearing.
    public func finish() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        drawn = false
        Self.barOnScreen = false
    }

    /// Whether a bar is drawn on the terminal's last line (the commands run on one thread).
    nonisolated(unsafe) private static var barOnScreen = false

    /// Clears a drawn bar so that an error line starts on a clean line (`printError`).
    public static func clearBar() {
        guard barOnScreen else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        barOnScreen = false
    }

    /// "42 s", "3 min 20 s", "2 h 05 min".
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(String(format: "%02d", s % 60)) s" }
        return "\(s / 3600) h \(String(format: "%02d", s % 3600 / 60)) min"
    }
}

/// Progress over a batch of recordings, measured in seconds of audio (from each file's header,
/// read up front when progress is shown): "3/10 files, 0.42 of 1.50 h of audio, 35.2x real time".
public final class BatchProgress {
    public let meter: ProgressLine
    public let count: Int
    private var seconds: [String: Double] = [:]
    private var finished = 0
    private var finishedSeconds = 0.0
    private var currentSeconds = 0.0
    private let started = Date()

    public init(label: String, files: [String], enabled: Bool, duration: (String) -> Double?) {
        count = files.count
        let style = ProgressLine.style(enabled: enabled)
        if style != .off {
            for f in files { seconds[f] = max(0, duration(f) ?? 0) }
        }
        meter = ProgressLine(label: label, total: seconds.values.reduce(0, +), enabled: enabled)
    }

    /// `done` seconds of `file` (the one being worked on) are done.
    public func update(_ file: String, secondsDone done: Double) {
        currentSeconds = min(max(0, done), seconds[file] ?? 0)
        meter.update(finishedSeconds + currentSeconds, detail: detail())
    }

    /// `file` is finished (done, failed, or reused from an earlier run); clears the bar so that
    /// the caller can print its line.
    public func fileDone(_ file: String, reused: Bool = false) {
        finished += 1
        finishedSeconds += seconds[file] ?? 0
        if reused { meter.reused += seconds[file] ?? 0 }
        currentSeconds = 0
        meter.finish()
    }

    public func finish() { meter.finish() }

    private func detail() -> String {
        let done = finishedSeconds + currentSeconds
        let worked = done - meter.reused
        let elapsed = Date().timeIntervalSince(started)
        let speed = worked > 0 && elapsed > 0 ? String(format: ", %.1fx real time", worked / elapsed) : ""
        let hours =
            meter.total >= 360
            ? String(format: "%.2f of %.2f h of audio", done / 3600, meter.total / 3600)
            : String(format: "%.0f of %.0f s of audio", done, meter.total)
        return "\(finished)/\(count) files, " + hours + speed
    }
}
