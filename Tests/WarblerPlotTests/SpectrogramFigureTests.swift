// SpectrogramFigureTests: figure geometry (plot size from frames and bins, pooling by maximum,
// nearest-neighbour stretching), colours of loud and quiet bins, the default colour scale,
// tick choice and placement, and degenerate inputs.
import XCTest
import WarblerPlot

final class SpectrogramFigureTests: XCTestCase {
    private let mel = SyntheticSpectrogram.melCentres(count: 128, low: 50, high: 14000)

    private func figure(frames: Int, bins: Int = 128, fill: Float = -60, secondsPerFrame: Double = 0.01) -> SpectrogramFigure {
        let frequencies = bins == 128 ? mel : SyntheticSpectrogram.melCentres(count: bins, low: 50, high: 14000)
        return SpectrogramFigure(
            values: [Float](repeating: fill, count: frames * bins), frames: frames, bins: bins,
            secondsPerFrame: secondsPerFrame, binFrequencies: frequencies)
    }

    // MARK: Size

    func testPlotWidthFollowsFramesBetweenTheLimits() {
        XCTAssertEqual(figure(frames: 10).layout.plot.width, 480, "few frames are stretched to minPlotWidth")
        XCTAssertEqual(figure(frames: 700).layout.plot.width, 700, "one column per frame in between")
        XCTAssertEqual(figure(frames: 5000).layout.plot.width, 1600, "many frames are pooled to maxPlotWidth")
        let widths = [10, 480, 600, 900, 1600, 1601, 9000].map { figure(frames: $0).render().width }
        XCTAssertEqual(widths, widths.sorted(), "image width never shrinks as frames grow")
        XCTAssertEqual(widths[5], widths[6], "image width stops growing at maxPlotWidth")
        XCTAssertGreaterThan(widths[3], widths[2])
    }

    func testBinsAreAtLeastTwoPixelsTall() {
        let layout = figure(frames: 50).layout
        XCTAssertEqual(layout.pixelsPerBin, 2)
        XCTAssertEqual(layout.plot.height, 256)
        XCTAssertEqual(figure(frames: 50, bins: 500).layout.plot.height, 1000)
        XCTAssertEqual(figure(frames: 50, bins: 64).layout.plot.height, 256)
        XCTAssertEqual(figure(frames: 50, bins: 64).layout.rows(forBin: 0).count, 4)
    }

    func testRenderedImageMatchesLayout() {
        var f = figure(frames: 700)
        f.title = "XC1234.wav"
        let layout = f.layout
        let image = f.render()
        XCTAssertEqual(image.width, layout.imageWidth)
        XCTAssertEqual(image.height, layout.imageHeight)
        XCTAssertEqual(image.pixels.count, image.width * image.height * 3)
        XCTAssertLessThan(layout.plot.maxX, layout.colorBar.minX)
        XCTAssertEqual(layout.title?.text, "XC1234.wav")
        XCTAssertLessThan(layout.title!.frame.maxY, layout.plot.minY)
    }

    // MARK: Colours

    func testLoudBinHasTopColourAndQuietBinBottomColour() {
        let frames = 600, bins = 128
        var values = [Float](repeating: -90, count: frames * bins)
        for frame in 0..<frames { values[frame * bins + 40] = 0 }  // loud bin 40, the rest 90 dB down
        let f = SpectrogramFigure(values: values, frames: frames, bins: bins, secondsPerFrame: 0.01, binFrequencies: mel)
        XCTAssertEqual(f.resolvedValueRange, -80...0)
        let layout = f.layout, image = f.render()
        let x = layout.plot.minX + 300
        XCTAssertEqual(image[x, layout.rows(forBin: 40).lowerBound], Colormap.warbler(1))
        XCTAssertEqual(image[x, layout.rows(forBin: 40).upperBound - 1], Colormap.warbler(1))
        XCTAssertEqual(image[x, layout.rows(forBin: 39).lowerBound], Colormap.warbler(0))
        XCTAssertEqual(image[x, layout.rows(forBin: 41).lowerBound], Colormap.warbler(0))
        // Bin 0 is the bottom row of the plot.
        XCTAssertEqual(layout.rows(forBin: 0).upperBound, layout.plot.maxY)
        // The colour bar runs from the bottom colour to the top colour.
        XCTAssertEqual(image[layout.colorBar.minX + 2, layout.colorBar.minY], Colormap.warbler(1))
        XCTAssertEqual(image[layout.colorBar.minX + 2, layout.colorBar.maxY - 1], Colormap.warbler(0))
    }

    func testPoolingKeepsTheMaximum() {
        // 16,000 frames into 1,600 columns: 10 frames per column. One loud frame must survive.
        let frames = 16_000, bins = 4
        var values = [Float](repeating: -80, count: frames * bins)
        values[12_345 * bins + 2] = 0
        var f = SpectrogramFigure(
            values: values, frames: frames, bins: bins, secondsPerFrame: 0.01,
            binFrequencies: [500, 1000, 2000, 4000])
        f.valueRange = -80...0
        let layout = f.layout, image = f.render()
        XCTAssertEqual(layout.plot.width, 1600)
        let column = try! XCTUnwrap(layout.column(forFrame: 12_345))
        XCTAssertEqual(column, 1234)
        XCTAssertTrue(layout.frameRange(forColumn: column).contains(12_345))
        XCTAssertEqual(layout.frameRange(forColumn: column).count, 10)
        let row = layout.rows(forBin: 2).lowerBound
        XCTAssertEqual(image[layout.plot.minX + column, row], Colormap.warbler(1))
        XCTAssertEqual(image[layout.plot.minX + column - 1, row], Colormap.warbler(0))
        XCTAssertEqual(image[layout.plot.minX + column + 1, row], Colormap.warbler(0))
        XCTAssertEqual(image[layout.plot.minX + column, layout.rows(forBin: 1).lowerBound], Colormap.warbler(0))
    }

    func testStretchingUsesNearestFrame() {
        // 4 frames over 480 columns: 120 columns each, left to right.
        let values: [Float] = [0, -80, 0, -80].flatMap { [$0, $0] }
        var f = SpectrogramFigure(values: values, frames: 4, bins: 2, secondsPerFrame: 1, binFrequencies: [100, 200])
        f.valueRange = -80...0
        let layout = f.layout, image = f.render()
        let row = layout.rows(forBin: 1).lowerBound
        for (frame, expected) in [(0, Colormap.warbler(1)), (1, Colormap.warbler(0)), (2, Colormap.warbler(1))] {
            let columns = (0..<layout.plot.width).filter { layout.frameRange(forColumn: $0) == frame..<frame + 1 }
            XCTAssertEqual(columns.count, 120)
            XCTAssertEqual(layout.column(forFrame: frame), columns.first)
            for column in columns { XCTAssertEqual(image[layout.plot.minX + column, row], expected) }
        }
    }

    func testDefaultRangeIgnoresNonFiniteValues() {
        let values: [Float] = [-100, .nan, .infinity, -.infinity, -30, -100]
        let f = SpectrogramFigure(values: values, frames: 3, bins: 2, secondsPerFrame: 0.1, binFrequencies: [100, 200])
        XCTAssertEqual(f.resolvedValueRange, -110 ... -30)
        var g = f
        g.valueRange = -50...10
        XCTAssertEqual(g.resolvedValueRange, -50...10)
    }

    // MARK: Ticks

    func testTimeTicksAreNiceAndReadable() {
        let layout = figure(frames: 500).layout  // 5 s
        let labels = layout.timeTicks.map(\.label.text)
        XCTAssertEqual(labels.first, "0")
        XCTAssertTrue(labels.contains("1"), "\(labels)")
        XCTAssertEqual(layout.timeAxisLabel.text, "Time (s)")
        let steps = zip(layout.timeTicks, layout.timeTicks.dropFirst()).map { $1.value - $0.value }
        XCTAssertFalse(steps.isEmpty)
        for step in steps { XCTAssertEqual(step, steps[0], accuracy: 1e-9) }
        XCTAssertTrue([0.5, 1, 2].contains { abs($0 - steps[0]) < 1e-9 }, "step \(steps[0])")
        for tick in layout.timeTicks {
            let expected = layout.plot.minX + Int(tick.value / 5 * Double(layout.plot.width))
            XCTAssertEqual(tick.position, min(expected, layout.plot.maxX - 1))
        }
    }

    func testLongRecordingsUseClockTicks() {
        // Two hours at 0.5 s per frame.
        let layout = figure(frames: 14_400, bins: 8, secondsPerFrame: 0.5).layout
        XCTAssertEqual(layout.timeAxisLabel.text, "Time (h:mm:ss)")
        XCTAssertEqual(layout.timeTicks.first?.label.text, "0:00:00")
        XCTAssertTrue(layout.timeTicks.contains { $0.label.text == "1:00:00" }, "\(layout.timeTicks.map(\.label.text))")
        let twentyMinutes = figure(frames: 2400, bins: 8, secondsPerFrame: 0.5).layout
        XCTAssertEqual(twentyMinutes.timeAxisLabel.text, "Time (m:ss)")
        XCTAssertTrue(twentyMinutes.timeTicks.contains { $0.label.text == "10:00" })
    }

    func testFrequencyTicksFollowTheBinTable() {
        let layout = figure(frames: 500).layout
        let labels = layout.frequencyTicks.map(\.label.text)
        XCTAssertEqual(layout.frequencyAxisLabel.text, "Hz")
        for expected in ["1k", "2k", "5k", "10k"] { XCTAssertTrue(labels.contains(expected), "\(labels)") }
        // 1 kHz lies between the centres of two mel bins; its tick is between their rows.
        let oneK = try! XCTUnwrap(layout.frequencyTicks.first { $0.value == 1000 })
        let below = mel.lastIndex { $0 <= 1000 }!
        let centre = { (bin: Int) in Double(layout.rows(forBin: bin).lowerBound) + Double(layout.pixelsPerBin - 1) / 2 }
        XCTAssertLessThanOrEqual(Double(oneK.position), centre(below))
        XCTAssertGreaterThanOrEqual(Double(oneK.position), centre(below + 1))
        // Higher frequencies are higher up.
        let rows = layout.frequencyTicks.map(\.position)
        XCTAssertEqual(rows, rows.sorted(by: >))
    }

    func testLinearBinsGetEvenlySpacedTicks() {
        let bins = 257
        let linear = (0..<bins).map { Double($0) * 16000 / 256 }
        let f = SpectrogramFigure(
            values: [Float](repeating: 0, count: 100 * bins), frames: 100, bins: bins,
            secondsPerFrame: 0.01, binFrequencies: linear)
        let values = f.layout.frequencyTicks.map(\.value)
        XCTAssertGreaterThanOrEqual(values.count, 4)
        let steps = zip(values, values.dropFirst()).map { $1 - $0 }
        for step in steps { XCTAssertEqual(step, steps[0]) }
        XCTAssertEqual(values.first, 0)
    }

    func testNoLabelsOverlap() {
        let cases: [SpectrogramFigure] = [
            figure(frames: 500), figure(frames: 1), figure(frames: 0), figure(frames: 3000, bins: 16),
            figure(frames: 360_000 / 100, bins: 8, secondsPerFrame: 2), figure(frames: 20, bins: 1),
        ]
        for (n, var f) in cases.enumerated() {
            f.title = String(repeating: "long title ", count: 30)
            let layout = f.layout
            let frames = layout.allLabels.map(\.frame)
            let bounds = PixelRect(x: 0, y: 0, width: layout.imageWidth, height: layout.imageHeight)
            for (i, a) in frames.enumerated() {
                XCTAssertEqual(a.intersection(bounds), a, "case \(n): label \(layout.allLabels[i].text) leaves the image")
                for j in i + 1..<frames.count {
                    XCTAssertFalse(
                        a.intersects(frames[j]),
                        "case \(n): '\(layout.allLabels[i].text)' overlaps '\(layout.allLabels[j].text)'")
                }
            }
            XCTAssertTrue(layout.title!.text.hasPrefix("..."), "case \(n): long title shortened")
        }
    }

    func testValueTicksCoverTheColourScale() {
        var f = figure(frames: 100)
        f.valueRange = -80...0
        let ticks = f.layout.valueTicks
        XCTAssertEqual(ticks.first?.label.text, "-80")
        XCTAssertEqual(ticks.last?.label.text, "0")
        XCTAssertEqual(ticks.last?.position, f.layout.colorBar.minY)
        XCTAssertEqual(ticks.first?.position, f.layout.colorBar.maxY - 1)
        XCTAssertEqual(f.layout.unitLabel.text, "dB")
    }

    // MARK: Degenerate input

    func testDegenerateInputsRender() throws {
        let empty = figure(frames: 0)
        let emptyImage = empty.render()
        XCTAssertTrue(empty.layout.isEmpty)
        XCTAssertNotNil(empty.layout.note)
        XCTAssertTrue(empty.layout.timeTicks.isEmpty)
        XCTAssertGreaterThan(emptyImage.width, 0)
        XCTAssertEqual(Array(try emptyImage.pngData().prefix(4)), [0x89, 0x50, 0x4E, 0x47])

        let noBins = SpectrogramFigure(values: [], frames: 5, bins: 0, secondsPerFrame: 0.01, binFrequencies: [])
        XCTAssertTrue(noBins.layout.isEmpty)
        _ = noBins.render()

        let one = figure(frames: 1)
        XCTAssertEqual(one.layout.plot.width, 480)
        XCTAssertFalse(one.layout.timeTicks.isEmpty)
        _ = one.render()

        let flat = figure(frames: 20, fill: -42)
        XCTAssertEqual(flat.resolvedValueRange, -122 ... -42)
        let flatLayout = flat.layout, flatImage = flat.render()
        XCTAssertEqual(flatImage[flatLayout.plot.minX, flatLayout.plot.minY], Colormap.warbler(1))

        var zeroWidth = figure(frames: 20, fill: -42)
        zeroWidth.valueRange = -42 ... -42
        XCTAssertEqual(zeroWidth.layout.valueTicks.count, 1)
        _ = zeroWidth.render()

        let silent = SpectrogramFigure(
            values: [.nan, -.infinity, .nan, -.infinity], frames: 2, bins: 2,
            secondsPerFrame: 0, binFrequencies: [2, 1])
        XCTAssertEqual(silent.resolvedValueRange, -80...0)
        XCTAssertEqual(silent.layout.frequencyAxisLabel.text, "bin", "unusable table falls back to bin numbers")
        XCTAssertTrue(silent.layout.timeTicks.isEmpty, "no time ticks without a frame duration")
        let silentLayout = silent.layout, silentImage = silent.render()
        for bin in 0..<2 {
            XCTAssertEqual(silentImage[silentLayout.plot.minX + 5, silentLayout.rows(forBin: bin).lowerBound], Colormap.warbler(0))
        }
    }
}
