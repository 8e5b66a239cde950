// SpectrogramFigure: the description of a spectrogram picture (data, axes, colour scale) and
// `render()`, which turns it into an RGBImage. Geometry is in +Layout/+Placement, pixels in
// +Raster and +Drawing.

/// A spectrogram picture: the colour-mapped values in a plot area, a time axis below, a
/// frequency axis on the left, a colour bar with its unit on the right and an optional title.
///
/// Columns: with more frames than `maxPlotWidth` each pixel column shows the maximum of the
/// frames it covers (max-pooling keeps short calls visible); with fewer than `minPlotWidth`
/// frames are widened by nearest neighbour. Rows: each bin is `pixelsPerBin` (>= 2) rows tall,
/// bin 0 at the bottom.
///
/// Colour scale: `valueRange` if set, else `[max - 80, max]` of the finite values, so a -100 dB
/// floor of silent frames does not wash out the picture (with no finite values: -80...0).
/// Values below the range, NaN and -infinity get the darkest colour; values above it and
/// +infinity the lightest.
public struct SpectrogramFigure: Sendable {
    /// `[frames, bins]`, frame-major: `values[frame * bins + bin]`. Typically dB.
    public let values: [Float]
    public let frames: Int
    public let bins: Int
    /// Hop between frames, seconds.
    public let secondsPerFrame: Double
    /// Centre frequency of each bin in Hz, increasing. Frequency ticks are placed by interpolating
    /// this table. If it is unusable (wrong count, not strictly increasing, not finite), the
    /// axis shows bin numbers instead and its label says "bin".
    public let binFrequencies: [Double]

    /// Drawn above the plot; shortened from the front with "..." when too wide.
    public var title: String?
    /// Values mapped to the ends of the colour scale; nil for the default described above.
    public var valueRange: ClosedRange<Float>?
    /// Unit of the values, written above the colour bar.
    public var unit: String = "dB"
    /// Widest plot area in pixels; more frames than this are max-pooled to fit (never below minPlotWidth).
    public var maxPlotWidth: Int = 1600
    /// Narrowest plot area in pixels; fewer frames are stretched (nearest neighbour).
    public var minPlotWidth: Int = 480
    /// Lowest plot height in pixels; bins are drawn ceil(minPlotHeight / bins) rows tall, at least 2.
    public var minPlotHeight: Int = 256
    /// Time of frame 0, seconds (for a figure of an excerpt).
    public var startTime: Double = 0
    /// Colour scale: `Colormap.warbler` (default) or `Colormap.grayscale`, or any mapping of 0...1.
    public var colormap: ColorMapping = Colormap.warbler
    /// Size of all text: each font pixel becomes a `textScale` x `textScale` block (at least 1).
    public var textScale: Int = 2

    /// - Precondition: `values.count == frames * bins`, `frames >= 0`, `bins >= 0`.
    public init(values: [Float], frames: Int, bins: Int, secondsPerFrame: Double, binFrequencies: [Double]) {
        precondition(frames >= 0 && bins >= 0, "SpectrogramFigure: negative shape [\(frames), \(bins)]")
        precondition(
            values.count == frames * bins,
            "SpectrogramFigure: \(values.count) values do not fill [\(frames) frames, \(bins) bins]")
        self.values = values
        self.frames = frames
        self.bins = bins
        self.secondsPerFrame = secondsPerFrame
        self.binFrequencies = binFrequencies
    }

    /// The colour scale actually used: `valueRange` when set (and finite), otherwise
    /// `[max - 80, max]` of the finite values, or -80...0 when there are none.
    public var resolvedValueRange: ClosedRange<Float> {
        if let range = valueRange, range.lowerBound.isFinite, range.upperBound.isFinite { return range }
        var maximum = -Float.infinity
        values.withUnsafeBufferPointer { buffer in
            for value in buffer where value.isFinite && value > maximum { maximum = value }
        }
        guard maximum.isFinite else { return -80...0 }
        return (maximum - 80)...maximum
    }

    /// Where everything goes in the rendered image (plot area, colour bar, ticks, labels).
    public var layout: Layout {
        makeLayout(valueRange: resolvedValueRange)
    }

    /// Draws the figure.
    public func render() -> RGBImage {
        let layout = self.layout
        var image = RGBImage(width: layout.imageWidth, height: layout.imageHeight, background: FigureStyle.background)
        if layout.isEmpty {
            image.fill(layout.plot, color: FigureStyle.emptyPlot)
        } else {
            drawSpectrogram(into: &image, layout: layout)
        }
        drawColorBar(into: &image, layout: layout)
        drawDecorations(into: &image, layout: layout)
        return image
    }
}
