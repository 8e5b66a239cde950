// A review report a person can work through in a browser: per recording an HTML page
// (`<page>.html`, see `pageName(for:)`) with the spectrogram split into time pages (zoomable),
// the detections drawn on it as labelled boxes, a sortable, filterable, paged detection table, a
// short WAV clip per detection (in `<page>.files/`, so a copied report still plays) and buttons to
// mark detections right or wrong (kept in the browser, exported as CSV for `warbler evaluate`);
// plus an index (ReportIndex.swift) with a summary by species, every recording and the failures.
// The page's behaviour is the inline script in ReportScripts.swift; no network, no libraries.
import Foundation
import WarblerFeatures
import WarblerIO
import WarblerPlot

extension MaxPooledColumns {
    /// Adds a spectrogram's frames (its bins are the rows).
    public mutating func add(_ s: Spectrogram) {
        s.values.withUnsafeBufferPointer { add($0) }
    }
}

public enum DetectionReport {
    /// Columns a recording's picture is pooled to: an hour at 100 frames/s at 30 ms per column
    /// (about 60 MB for 128 bins); the report pools further per time page.
    public static let pictureColumns = 120_000

    /// An empty picture for a recording of about `expectedFrames` frames of `bins` bins.
    public static func picture(bins: Int, expectedFrames: Int) -> MaxPooledColumns {
        MaxPooledColumns(rows: bins, expectedFrames: expectedFrames, maxColumns: pictureColumns)
    }

    /// Widest spectrogram plot of one time page, pixels (the page scales it to the window).
    static let plotWidth = 1200
    /// Preferred length of a time page, seconds (longer when one column covers more time).
    static let pageSeconds = 60.0

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// The file name stem of a recording's page (`<stem>.html`, `<stem>.files/`): letters, digits,
    /// '_' and '-' stay; '/' becomes "~~"; every other byte (dots, spaces, '~', non-ASCII) becomes
    /// "~" and two hex digits. Different ids give different names ("siteA/x" is "siteA~~x", never
    /// "siteA_x"); no name starts with a dot or holds a path separator. Names longer than 180
    /// bytes are cut and end in "~" and a hash of the whole id, so they stay unique and short.
    public static func pageName(for recording: String) -> String {
        var name = ""
        for byte in recording.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                name.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/"): name += "~~"
            default: name += "~" + String(format: "%02X", byte)
            }
        }
        if name.isEmpty { name = "~" }
        if name.utf8.count > 180 {
            name = String(name.prefix(160)) + "~" + String(format: "%016llx", fnv1a(recording))
        }
        return name
    }

    /// FNV-1a, 64-bit: a stable short hash for names and storage keys.
    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    /// The key under which a report's review marks are kept in the browser: the report folder as
    /// written (a copy of the folder keeps the key; another run's report into another folder gets
    /// another one).
    static func reportKey(_ dir: String) -> String {
        String(fnv1a(URL(fileURLWithPath: dir).standardizedFileURL.path), radix: 36)
    }

    /// Column ranges of the time pages of a picture with `columns` columns of `secondsPerColumn`:
    /// one page up to 1.5 `pageSeconds`, else pages of `pageSeconds` (or of `plotWidth` columns
    /// when columns are coarser than the plot's pixels).
    static func timePages(
        columns: Int, secondsPerColumn: Double, pageSeconds: Double = pageSeconds,
        plotWidth: Int = plotWidth
    ) -> [Range<Int>] {
        guard columns > 0 else { return [] }
        let spc = max(secondsPerColumn, 1e-9)
        let length = max(pageSeconds, Double(plotWidth) * spc)
        guard Double(columns) * spc > 1.5 * length else { return [0..<columns] }
        let perPage = max(1, Int((length / spc).rounded()))
        return stride(from: 0, to: columns, by: perPage).map { $0..<min(columns, $0 + perPage) }
    }

    /// Writes `<dir>/<page>.html` and its pictures and clips in `<dir>/<page>.files/` (page:
    /// `pageName(for: result.recording)`); returns the HTML path. The audio is decoded again at
    /// the front-end's rate for the clips (`clips` bounds them).
    @discardableResult
    public static func write(
        _ result: RecordingResult, picture: MaxPooledColumns, frontEnd: FrontEnd,
        policy: LabelPolicy, clips clipPolicy: ReportClipPolicy = ReportClipPolicy(),
        to dir: String
    ) throws -> String {
        let name = pageName(for: result.recording)
        let assets = name + ".files"
        let assetDir = dir + "/" + assets
        // Pictures and clips of an earlier run of this recording would be stale; the page is replaced below.
        if FileManager.default.fileExists(atPath: assetDir) { try FileManager.default.removeItem(atPath: assetDir) }
        try FileManager.default.createDirectory(atPath: assetDir, withIntermediateDirectories: true)
        let c = frontEnd.config
        let spc = Double(c.hopLength * picture.factor) / Double(c.sampleRate)
        let columns = picture.all, bins = picture.rows, count = columns.count / bins
        // One colour scale for the whole recording, so time pages compare.
        var top = -Float.infinity
        for v in columns where v.isFinite && v > top { top = v }
        let range: ClosedRange<Float> = top.isFinite ? (top - 80)...top : -80...0
        var pages: [ReportPageData.TimePage] = []
        for (k, cols) in timePages(columns: count, secondsPerColumn: spc).enumerated() {
            var figure = SpectrogramFigure(
                values: Array(columns[cols.lowerBound * bins..<cols.upperBound * bins]),
                frames: cols.count, bins: bins, secondsPerFrame: spc,
                binFrequencies: frontEnd.filterbank.centerFrequencies)
            figure.maxPlotWidth = plotWidth
            figure.startTime = Double(cols.lowerBound) * spc
            figure.valueRange = range
            figure.title = URL(fileURLWithPath: result.path).lastPathComponent
            let image = figure.render(), layout = figure.layout
            let png = String(format: "page-%03d.png", k + 1)
            try AtomicFile.write(try image.pngData(), to: assetDir + "/" + png)
            pages.append(
                .init(
                    png: assets + "/" + png, t0: figure.startTime, t1: Double(cols.upperBound) * spc,
                    w: layout.imageWidth, h: layout.imageHeight, px: layout.plot.minX, py: layout.plot.minY,
                    pw: layout.plot.width, ph: layout.plot.height))
        }
        let plan = ReportClipPlan(events: result.events, duration: result.duration, policy: clipPolicy)
        func clipName(_ clip: ReportClipPlan.Clip) -> String { String(format: "clip-%05d.wav", clip.event + 1) }
        let written = try ReportClipWriter.write(plan, audio: result.path, sampleRate: c.sampleRate, to: assetDir, fileName: clipName)
        // Every detection of a written span plays that span's file.
        let planned = Dictionary(uniqueKeysWithValues: plan.clips.map { ($0.event, $0) })
        var bySpan: [[Double]: ReportClipPlan.Clip] = [:]
        for clip in written { bySpan[[clip.start, planned[clip.event]!.end]] = clip }
        var clipOf: [Int: ReportClipPlan.Clip] = [:]
        for clip in plan.clips { if let file = bySpan[[clip.start, clip.end]] { clipOf[clip.event] = file } }
        let data = ReportPageData(
            key: reportKey(dir), recording: result.recording, classes: policy.classes, colours: ReportScripts.colours,
            pages: pages,
            dets: result.events.enumerated().map { i, e in
                .init(
                    label: e.label, onset: e.onset, offset: e.offset, score: Double(e.confidence),
                    clip: clipOf[i].map { assets + "/" + clipName($0) }, clipStart: clipOf[i]?.start ?? 0)
            })
        let clipNote =
            clipOf.count == result.events.count
            ? (clipOf.isEmpty ? "" : "Every detection has an audio clip (\(assets)/).")
            : "Audio clips for \(clipOf.count) of \(result.events.count) detections, the highest scores "
                + "(clips are limited to \(Int(clipPolicy.budgetSeconds)) s per recording)."
        let html = ReportScripts.recordingPage(
            title: result.recording,
            meta: "\(result.path) · \(String(format: "%.1f", result.duration)) s · \(result.events.count) detection"
                + "\(result.events.count == 1 ? "" : "s") · \(result.windows.count) windows",
            clipNote: clipNote, data: try data.json())
        let path = dir + "/" + name + ".html"
        try AtomicFile.write(Data(html.utf8), to: path)
        return path
    }
}

/// What a recording page's script works from, embedded in the page as JSON.
struct ReportPageData: Encodable {
    struct TimePage: Encodable {
        var png: String
        var t0, t1: Double
        var w, h, px, py, pw, ph: Int
    }
    /// One detection as a JSON array: [label, onset, offset, score, clip or null, clip start].
    struct Det: Encodable {
        var label: String
        var onset, offset, score: Double
        var clip: String?
        var clipStart: Double
        func encode(to encoder: Encoder) throws {
            var c = encoder.unkeyedContainer()
            func ms(_ t: Double) -> Double { (t * 1000).rounded() / 1000 }
            try c.encode(label); try c.encode(ms(onset)); try c.encode(ms(offset)); try c.encode(ms(score))
            if let clip { try c.encode(clip) } else { try c.encodeNil() }
            try c.encode(ms(clipStart))
        }
    }
    var key, recording: String
    var classes, colours: [String]
    var pages: [TimePage]
    var dets: [Det]

    /// JSON safe inside a <script> element.
    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self).replacingOccurrences(of: "</", with: "<\\/")
    }
}
