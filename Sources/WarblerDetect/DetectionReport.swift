// A report a person can look at: per recording an HTML page with the spectrogram, the
// detections drawn on it as labelled boxes over their time span, a table of detections, and the
// recording playable in the page (a click on a detection plays from its onset; a line follows
// playback); plus an index page for the run. Long recordings are max-pooled in time to at most
// `maxColumns` columns so the picture stays a reasonable size.
import Foundation
import WarblerFeatures
import WarblerIO
import WarblerPlot

/// Collects a recording's log-mel frames, max-pooled in time, for the report's picture.
public struct ReportSpectrogram {
    public let bins: Int
    public let factor: Int
    public private(set) var values: [Float] = []
    private var partial: [Float]
    private var inPartial = 0

    /// `expectedFrames` sets the pooling so at most `maxColumns` columns are kept.
    public init(bins: Int, expectedFrames: Int, maxColumns: Int = 1600) {
        self.bins = bins
        factor = max(1, (expectedFrames + maxColumns - 1) / maxColumns)
        partial = [Float](repeating: -.infinity, count: bins)
    }

    public mutating func add(_ s: Spectrogram) {
        for f in 0..<s.frameCount {
            for b in 0..<bins { partial[b] = max(partial[b], s[f, b]) }
            inPartial += 1
            if inPartial == factor { values += partial; partial = [Float](repeating: -.infinity, count: bins); inPartial = 0 }
        }
    }

    /// Frame-major columns, the partial last one included.
    public var columns: [Float] { inPartial > 0 ? values + partial : values }
    public var columnCount: Int { columns.count / max(bins, 1) }
}

public enum DetectionReport {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A path from folder `base` to `target` (both absolute or both relative to the same place).
    static func relativePath(from base: String, to target: String) -> String {
        let b = URL(fileURLWithPath: base).standardizedFileURL.pathComponents
        let t = URL(fileURLWithPath: target).standardizedFileURL.pathComponents
        var common = 0
        while common < min(b.count, t.count) && b[common] == t[common] { common += 1 }
        return (Array(repeating: "..", count: b.count - common) + t[common...]).joined(separator: "/")
    }

    /// Writes `<dir>/<recording>.png` and `<dir>/<recording>.html`; returns the HTML path.
    @discardableResult
    public static func write(_ result: RecordingResult, picture: ReportSpectrogram, frontEnd: FrontEnd,
                             policy: LabelPolicy, to dir: String) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let c = frontEnd.config
        var figure = SpectrogramFigure(values: picture.columns, frames: picture.columnCount, bins: picture.bins,
                                       secondsPerFrame: Double(c.hopLength * picture.factor) / Double(c.sampleRate),
                                       binFrequencies: frontEnd.filterbank.centerFrequencies)
        figure.title = URL(fileURLWithPath: result.path).lastPathComponent
        let image = figure.render()
        let layout = figure.layout
        let png = result.recording + ".png"
        try AtomicFile.write(try image.pngData(), to: dir + "/" + png)

        let seconds = Double(picture.columnCount) * figure.secondsPerFrame
        func x(_ t: Double) -> Double { Double(layout.plot.minX) + Double(layout.plot.width) * min(max(t / max(seconds, 1e-9), 0), 1) }
        let colours = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45", "#fabed4", "#469990"]
        func colour(_ label: String) -> String { colours[(policy.classes.firstIndex(of: label) ?? 0) % colours.count] }
        var boxes = ""
        for (i, e) in result.events.enumerated() {
            let x0 = x(e.onset), x1 = max(x(e.offset), x0 + 2)
            boxes += """
                <g class="det" data-onset="\(e.onset)" onclick="playFrom(\(e.onset))"><title>\(escape(e.label)) \(String(format: "%.2f", e.confidence)), \(String(format: "%.2f-%.2f s", e.onset, e.offset))</title>\
                <rect x="\(String(format: "%.1f", x0))" y="\(layout.plot.minY)" width="\(String(format: "%.1f", x1 - x0))" height="\(layout.plot.height)" \
                fill="\(colour(e.label))" fill-opacity="0.18" stroke="\(colour(e.label))" stroke-width="2"/>\
                <text x="\(String(format: "%.1f", x0 + 2))" y="\(layout.plot.minY + 14 + 14 * (i % 3))" fill="\(colour(e.label))" font-size="13" font-family="monospace">\(escape(e.label))</text></g>

                """
        }
        var rows = ""
        for e in result.events {
            rows += "<tr onclick=\"playFrom(\(e.onset))\"><td><span class=\"sw\" style=\"background:\(colour(e.label))\"></span>\(escape(e.label))</td>"
                + "<td>\(String(format: "%.2f", e.onset))</td><td>\(String(format: "%.2f", e.offset))</td><td>\(String(format: "%.2f", e.confidence))</td></tr>\n"
        }
        let audio = escape(relativePath(from: dir, to: result.path))
        let html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Warbler: \(escape(result.recording))</title>
            <style>body{font-family:sans-serif;margin:1.5em;color:#222}figure{position:relative;margin:0;width:\(layout.imageWidth)px}
            figure img,figure svg{position:absolute;left:0;top:0}figure{height:\(layout.imageHeight)px}.det{cursor:pointer}
            table{border-collapse:collapse;margin-top:1em}td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #ddd}
            tr:hover{background:#f3f3f3;cursor:pointer}.sw{display:inline-block;width:10px;height:10px;margin-right:6px}
            audio{width:\(layout.imageWidth)px;margin:0.6em 0}</style></head>
            <body>
            <h1>\(escape(result.recording))</h1>
            <p>\(escape(result.path)) &middot; \(String(format: "%.1f", result.duration)) s &middot; \(result.events.count) detection\(result.events.count == 1 ? "" : "s") &middot; \(result.windows.count) windows</p>
            <audio id="audio" controls preload="metadata" src="\(audio)"></audio>
            <figure><img src="\(escape(png))" width="\(layout.imageWidth)" height="\(layout.imageHeight)" alt="log-mel spectrogram">
            <svg width="\(layout.imageWidth)" height="\(layout.imageHeight)" xmlns="http://www.w3.org/2000/svg">
            \(boxes)<line id="playhead" x1="\(layout.plot.minX)" x2="\(layout.plot.minX)" y1="\(layout.plot.minY)" y2="\(layout.plot.minY + layout.plot.height)" stroke="white" stroke-width="1.5" visibility="hidden"/>
            </svg></figure>
            <table><thead><tr><th>species</th><th>onset (s)</th><th>offset (s)</th><th>confidence</th></tr></thead><tbody>
            \(rows)</tbody></table>
            <script>
            const audio = document.getElementById('audio'), head = document.getElementById('playhead');
            const x0 = \(layout.plot.minX), w = \(layout.plot.width), span = \(seconds);
            function playFrom(t) { audio.currentTime = t; audio.play(); }
            // What loaded, for scripts/check-report.sh (and anyone inspecting the page).
            const img = document.querySelector('figure img');
            function noteImage() { if (img.naturalWidth) document.body.setAttribute('data-picture', img.naturalWidth + 'x' + img.naturalHeight); }
            if (img.complete) noteImage(); else img.addEventListener('load', noteImage);
            audio.addEventListener('loadedmetadata', () => document.body.setAttribute('data-audio-seconds', audio.duration.toFixed(2)));
            audio.addEventListener('timeupdate', () => {
              const x = x0 + w * Math.min(1, audio.currentTime / span);
              head.setAttribute('x1', x); head.setAttribute('x2', x); head.setAttribute('visibility', 'visible');
            });
            </script>
            </body></html>

            """
        let path = dir + "/" + result.recording + ".html"
        try AtomicFile.write(Data(html.utf8), to: path)
        return path
    }

    /// `<dir>/index.html`: every recording with its detections per species and a link.
    @discardableResult
    public static func writeIndex(_ results: [RecordingResult], failures: [(path: String, reason: String)], to dir: String) throws -> String {
        var rows = ""
        for r in results {
            var counts: [String: Int] = [:]
            for e in r.events { counts[e.label, default: 0] += 1 }
            let species = counts.keys.sorted().map { "\(escape($0)) (\(counts[$0]!))" }.joined(separator: ", ")
            rows += "<tr><td><a href=\"\(escape(r.recording)).html\">\(escape(r.recording))</a></td><td>\(String(format: "%.1f", r.duration))</td>"
                + "<td>\(r.events.count)</td><td>\(species.isEmpty ? "&mdash;" : species)</td></tr>\n"
        }
        let failed = failures.map { "<li>\(escape($0.path)): \(escape($0.reason))</li>" }.joined(separator: "\n")
        let html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Warbler detections</title>
            <style>body{font-family:sans-serif;margin:1.5em}td,th{padding:2px 12px;text-align:left;border-bottom:1px solid #ddd}</style></head>
            <body><h1>Warbler detections</h1>
            <table><thead><tr><th>recording</th><th>seconds</th><th>detections</th><th>species (count)</th></tr></thead><tbody>
            \(rows)</tbody></table>
            \(failures.isEmpty ? "" : "<h2>Not processed</h2><ul>\n\(failed)\n</ul>")
            </body></html>

            """
        let path = dir + "/index.html"
        // No recording may have written a page (every input failed): the folder is made here.
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try AtomicFile.write(Data(html.utf8), to: path)
        return path
    }
}
