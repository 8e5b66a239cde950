// ExampleImageTests: renders the example figures end to end (PNG files that decode back to the
// laid-out size). They go to a temporary directory that is removed afterwards, or, when the
// environment variable WARBLER_PLOT_EXAMPLES names a directory, are kept there for a person to
// look at.
import Foundation
import XCTest
import WarblerPlot

final class ExampleImageTests: XCTestCase {
    private var temporary: String?

    override func tearDown() {
        if let t = temporary { try? FileManager.default.removeItem(atPath: t) }
    }

    private func outputDirectory() throws -> String {
        if let directory = ProcessInfo.processInfo.environment["WARBLER_PLOT_EXAMPLES"] { return directory }
        let t = NSTemporaryDirectory() + "warbler-plot-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: t, withIntermediateDirectories: true)
        temporary = t
        return t
    }

    /// Every PNG written to `directory` starts with the PNG signature and carries a non-empty
    /// IHDR size.
    private func checkPNGs(in directory: String, names: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        for name in names {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
            XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], name, file: file, line: line)
            let width = data[16..<20].reduce(0) { $0 << 8 | Int($1) }
            let height = data[20..<24].reduce(0) { $0 << 8 | Int($1) }
            XCTAssertGreaterThan(width, 100, name, file: file, line: line)
            XCTAssertGreaterThan(height, 100, name, file: file, line: line)
        }
    }

    func testWriteChirpExample() throws {
        let directory = try outputDirectory()
        let centres = SyntheticSpectrogram.melCentres(count: 128, low: 50, high: 14000)
        let values = SyntheticSpectrogram.chirp(frames: 500, binFrequencies: centres, silence: 300..<340)
        var figure = SpectrogramFigure(
            values: values, frames: 500, bins: 128, secondsPerFrame: 0.01,
            binFrequencies: centres)
        figure.title = "XC123456 - Turdus merula (synthetic chirp).wav"
        try figure.render().writePNG(to: directory + "/plot-example.png")
        figure.textScale = 1
        try figure.render().writePNG(to: directory + "/plot-example-small-text.png")
        try checkPNGs(in: directory, names: ["plot-example.png", "plot-example-small-text.png"])
    }

    func testWriteLongExample() throws {
        let directory = try outputDirectory()
        // Two hours at 0.02 s per frame (360,000 frames x 128 bins, 184 MB of values).
        let frames = 360_000, bins = 128
        let centres = SyntheticSpectrogram.melCentres(count: bins, low: 50, high: 14000)
        var values = [Float](repeating: -100, count: frames * bins)
        // Short calls every ~3 minutes, a few frames long: pooling must keep them visible.
        for start in stride(from: 1000, to: frames, by: 18_000) {
            for frame in start..<start + 5 {
                for bin in 60..<70 { values[frame * bins + bin] = -10 }
            }
        }
        for frame in stride(from: 0, to: frames, by: 1) { values[frame * bins + (frame / 3000) % bins] = -50 }
        var figure = SpectrogramFigure(
            values: values, frames: frames, bins: bins, secondsPerFrame: 0.02,
            binFrequencies: centres)
        figure.title = "two-hour-dawn-chorus.flac"
        try figure.render().writePNG(to: directory + "/plot-long.png")
        try checkPNGs(in: directory, names: ["plot-long.png"])
    }

    func testWriteEdgeCaseGallery() throws {
        let directory = try outputDirectory()
        let mel = SyntheticSpectrogram.melCentres(count: 64, low: 50, high: 14000)
        // Linear STFT bins, 513 of them from 0 to 16 kHz, 20 minutes pooled.
        let linear = (0..<513).map { Double($0) * 16000 / 512 }
        let longFrames = 1200 * 10
        var figure = SpectrogramFigure(
            values: SyntheticSpectrogram.chirp(frames: longFrames, binFrequencies: linear),
            frames: longFrames, bins: 513, secondsPerFrame: 0.1, binFrequencies: linear)
        figure.title = "linear-bins-20-minutes.wav"
        try figure.render().writePNG(to: directory + "/plot-linear.png")

        let empty = SpectrogramFigure(values: [], frames: 0, bins: 64, secondsPerFrame: 0.01, binFrequencies: mel)
        try empty.render().writePNG(to: directory + "/plot-empty.png")

        var single = SpectrogramFigure(
            values: SyntheticSpectrogram.chirp(frames: 1, binFrequencies: mel),
            frames: 1, bins: 64, secondsPerFrame: 0.01, binFrequencies: mel)
        single.title = "one frame"
        try single.render().writePNG(to: directory + "/plot-single.png")

        var flat = SpectrogramFigure(
            values: [Float](repeating: -42, count: 300 * 64), frames: 300, bins: 64,
            secondsPerFrame: 0.001, binFrequencies: mel)
        flat.title = "all values equal, excerpt from 12.3 s"
        flat.startTime = 12.3
        try flat.render().writePNG(to: directory + "/plot-flat.png")

        let oddValues: [Float] = (0..<40 * 8).map { (i: Int) -> Float in
            if i % 7 == 0 { return .nan }
            return i % 5 == 0 ? -.infinity : Float(i)
        }
        var odd = SpectrogramFigure(
            values: oddValues,
            frames: 40, bins: 8, secondsPerFrame: 0.5, binFrequencies: [3, 2, 1, 0, 4, 5, 6, 7])
        odd.title = "NaN and -inf, unusable bin table, grayscale, a very long title that must be shortened from the front.wav"
        odd.colormap = Colormap.grayscale
        odd.unit = "probability"
        try odd.render().writePNG(to: directory + "/plot-odd.png")
        try checkPNGs(in: directory, names: ["plot-linear.png", "plot-empty.png", "plot-single.png", "plot-flat.png", "plot-odd.png"])
    }
}
