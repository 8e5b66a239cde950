// The report's index page (`index.html`): the run's provenance, a summary by species across
// recordings (each linking to the recordings that have it), every recording with its counts,
// the files that failed, and the export of the review marks; plus `nav.js`, the ordered list of
// recording pages that gives each page its previous/next links.
import Foundation
import WarblerIO

extension DetectionReport {
    /// Writes `<dir>/index.html` and `<dir>/nav.js`; returns the index's path. `about` is shown in
    /// the header (version, checkpoint, thresholds, command line: whatever the caller passes).
    @discardableResult
    public static func writeIndex(
        _ results: [RecordingResult], failures: [(path: String, reason: String)],
        about: [(label: String, value: String)] = [], to dir: String
    ) throws -> String {
        func score(_ x: Float) -> String { String(format: "%.3f", x) }
        func link(_ r: RecordingResult, species: String? = nil) -> String {
            escape(pageName(for: r.recording)) + ".html" + (species.map { "#species=" + escape(urlComponent($0)) } ?? "")
        }
        // By species: detections, recordings, best score, and where.
        struct Species { var count = 0; var best: Float = -.infinity; var recordings: [(RecordingResult, Int, Float)] = [] }
        var bySpecies: [String: Species] = [:]
        var recordingRows = ""
        for r in results {
            var counts: [String: (Int, Float)] = [:]
            for e in r.events { counts[e.label, default: (0, -.infinity)].0 += 1; counts[e.label]!.1 = max(counts[e.label]!.1, e.confidence) }
            for (label, (n, best)) in counts {
                bySpecies[label, default: Species()].count += n
                bySpecies[label]!.best = max(bySpecies[label]!.best, best)
                bySpecies[label]!.recordings.append((r, n, best))
            }
            let species = counts.keys.sorted().map { "<a href=\"\(link(r, species: $0))\">\(escape($0))</a> (\(counts[$0]!.0))" }.joined(separator: ", ")
            let best = r.events.map(\.confidence).max().map(score) ?? "&mdash;"
            recordingRows +=
                "<tr><td><a href=\"\(link(r))\">\(escape(r.recording))</a></td><td>\(String(format: "%.1f", r.duration))</td>"
                + "<td>\(r.events.count)</td><td>\(best)</td><td>\(species.isEmpty ? "&mdash;" : species)</td></tr>\n"
        }
        let species = bySpecies.keys.sorted()
        var speciesRows = "", whereList = ""
        for (k, label) in species.enumerated() {
            let s = bySpecies[label]!
            speciesRows +=
                "<tr><td><a href=\"#species-\(k + 1)\">\(escape(label))</a></td><td>\(s.count)</td>"
                + "<td>\(s.recordings.count)</td><td>\(score(s.best))</td></tr>\n"
            let places = s.recordings.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.recording < $1.0.recording }
                .map { "<a href=\"\(link($0.0, species: label))\">\(escape($0.0.recording))</a> (\($0.1), best \(score($0.2)))" }
                .joined(separator: ", ")
            whereList += "<li id=\"species-\(k + 1)\"><strong>\(escape(label))</strong>: \(places)</li>\n"
        }
        let aboutRows = about.map { "<dt>\(escape($0.label))</dt><dd>\(escape($0.value))</dd>" }.joined(separator: "\n")
        let failed = failures.map { "<li>\(escape($0.path)): \(escape($0.reason))</li>" }.joined(separator: "\n")
        let detections = results.reduce(0) { $0 + $1.events.count }
        let html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Warbler detections</title><style>\(ReportScripts.css)
            dl.about{display:grid;grid-template-columns:max-content 1fr;gap:2px 1em}dl.about dd{margin:0;overflow-wrap:anywhere}
            td{overflow-wrap:anywhere}</style></head>
            <body><h1>Warbler detections</h1>
            \(about.isEmpty ? "" : "<dl class=\"about\">\n\(aboutRows)\n</dl>")
            <p class="meta">\(results.count) recording\(results.count == 1 ? "" : "s") &middot; \(detections) detection\(detections == 1 ? "" : "s") &middot; \(species.count) species\(failures.isEmpty ? "" : " &middot; \(failures.count) not processed (below)")</p>
            <h2>By species</h2>
            <table id="species"><thead><tr><th>species</th><th>detections</th><th>recordings</th><th>best score</th></tr></thead><tbody>
            \(speciesRows)</tbody></table>
            <ul class="where">
            \(whereList)</ul>
            <h2>Recordings</h2>
            <table id="recordings"><thead><tr><th>recording</th><th>seconds</th><th>detections</th><th>best score</th><th>species (count)</th></tr></thead><tbody>
            \(recordingRows)</tbody></table>
            \(failures.isEmpty ? "" : "<h2>Not processed</h2><ul id=\"failures\">\n\(failed)\n</ul>")
            \(ReportScripts.reviewSection)
            <script>const REPORT = {"key": "\(reportKey(dir))"};</script>
            <script>\(ReportScripts.commonScript)</script>
            </body></html>

            """
        struct NavEntry: Encodable { var id: String; var page: String }
        let nav = results.map { NavEntry(id: $0.recording, page: pageName(for: $0.recording) + ".html") }
        let navJS =
            "// The report's recordings in order, for each page's previous/next links.\nwindow.WARBLER_NAV = "
            + String(decoding: try JSONEncoder().encode(nav), as: UTF8.self) + ";\n"
        // No recording may have written a page (every input failed): the folder is made here.
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try AtomicFile.write(Data(navJS.utf8), to: dir + "/nav.js")
        let path = dir + "/index.html"
        try AtomicFile.write(Data(html.utf8), to: path)
        return path
    }

    /// `s` percent-encoded for a URL fragment value.
    static func urlComponent(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
