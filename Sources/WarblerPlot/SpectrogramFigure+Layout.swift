// SpectrogramFigure+Layout: the geometry of a rendered figure, as a value callers and tests can
// inspect: where the plot area and colour bar are, which ticks were kept and where their labels sit,
// and which frames each pixel column shows. Computed by SpectrogramFigure+Placement.swift.

/// A piece of text and the rectangle it occupies (drawn with its cell's top-left at `frame.minX`,
/// `frame.minY`). Tick labels' frames cover the glyph body only (they have no descenders).
public struct PlacedText: Sendable, Equatable {
    public var text: String
    public var frame: PixelRect
}

/// One tick kept on an axis: its value (seconds, Hz, or colour-scale units), the pixel row or
/// column of the tick mark, and its label.
public struct AxisTick: Sendable, Equatable {
    public var value: Double
    /// Column (time axis) or row (frequency axis, colour bar) of the tick mark.
    public var position: Int
    public var label: PlacedText
}

extension SpectrogramFigure {
    public struct Layout: Sendable, Equatable {
        public var imageWidth: Int
        public var imageHeight: Int
        /// The spectrogram pixels exactly (the frame line is drawn just outside).
        public var plot: PixelRect
        /// The colour bar's gradient pixels (bottom row = lower end of `valueRange`).
        public var colorBar: PixelRect
        /// Rows per frequency bin.
        public var pixelsPerBin: Int
        /// Frames and bins of the figure (0 frames or 0 bins: `isEmpty`).
        public var frames: Int
        public var bins: Int
        /// The colour scale the picture uses.
        public var valueRange: ClosedRange<Float>
        public var timeTicks: [AxisTick]
        public var frequencyTicks: [AxisTick]
        public var valueTicks: [AxisTick]
        public var title: PlacedText?
        /// "Time (s)", "Time (m:ss)" or "Time (h:mm:ss)", centred below the time ticks.
        public var timeAxisLabel: PlacedText
        /// "Hz" (or "bin"), above the frequency tick labels.
        public var frequencyAxisLabel: PlacedText
        /// The unit, above the colour bar.
        public var unitLabel: PlacedText
        /// Message shown in the plot area when there is nothing to plot.
        public var note: PlacedText?

        /// Whether there is no data to draw (0 frames or 0 bins).
        public var isEmpty: Bool { frames == 0 || bins == 0 }

        /// Every label placed in the image; no two of them overlap.
        public var allLabels: [PlacedText] {
            [title, note].compactMap { $0 } + [timeAxisLabel, frequencyAxisLabel, unitLabel]
                + (timeTicks + frequencyTicks + valueTicks).map(\.label)
        }

        /// Image rows showing `bin` (bin 0 is the bottom one).
        public func rows(forBin bin: Int) -> Range<Int> {
            let top = plot.maxY - (bin + 1) * pixelsPerBin
            return top..<top + pixelsPerBin
        }

        /// Frames shown by plot column `column` (0 = left edge of the plot): several when frames are
        /// pooled (the column shows their maximum), one when they are stretched.
        public func frameRange(forColumn column: Int) -> Range<Int> {
            let width = plot.width
            guard frames > 0, width > 0, column >= 0, column < width else { return 0..<0 }
            if frames > width {
                return column * frames / width..<(column + 1) * frames / width
            }
            // Nearest neighbour: the frame under the column's centre.
            let frame = ((2 * column + 1) * frames) / (2 * width)
            return frame..<frame + 1
        }

        /// The first plot column (0-based within the plot) showing `frame`, or nil if out of range.
        public func column(forFrame frame: Int) -> Int? {
            guard frame >= 0, frame < frames, plot.width > 0 else { return nil }
            var column = min(plot.width - 1, frame * plot.width / frames)
            while column > 0 && frameRange(forColumn: column - 1).upperBound > frame { column -= 1 }
            while column < plot.width - 1 && frameRange(forColumn: column).upperBound <= frame { column += 1 }
            return column
        }
    }
}
