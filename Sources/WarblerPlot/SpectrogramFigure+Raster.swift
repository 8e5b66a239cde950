// SpectrogramFigure+Raster: paints the colour-mapped values into the plot area and the colour bar.
// Each plot column takes the maximum of the frames it covers (see Layout.frameRange(forColumn:));
// NaN is ignored by the maximum and, like -infinity, ends up as the darkest colour.

extension SpectrogramFigure {
    /// The colour map sampled at `Colormap.tableSize` points, indexed by `Colormap.tableIndex`.
    private var colorTable: [RGB] {
        let last = Float(Colormap.tableSize - 1)
        return (0..<Colormap.tableSize).map { colormap(Float($0) / last) }
    }

    /// Maps a value to 0...1 on the colour scale (outside values and infinities clamp later in
    /// `Colormap.tableIndex`). A zero-width range puts values at or above it at the top, the rest at 0.
    private static func normalizer(for range: ClosedRange<Float>) -> (Float) -> Float {
        let low = range.lowerBound, span = range.upperBound - range.lowerBound
        guard span > 0 else { return { $0 >= range.upperBound ? 1 : 0 } }
        let inverse = 1 / span
        return { ($0 - low) * inverse }
    }

    func drawSpectrogram(into image: inout RGBImage, layout: Layout) {
        let table = colorTable
        let normalized = Self.normalizer(for: layout.valueRange)
        let plot = layout.plot, bins = self.bins, imageWidth = image.width
        var column = [Float](repeating: -.infinity, count: bins)
        values.withUnsafeBufferPointer { data in
            image.pixels.withUnsafeMutableBufferPointer { pixels in
                for x in 0..<plot.width {
                    for bin in 0..<bins { column[bin] = -.infinity }
                    for frame in layout.frameRange(forColumn: x) {
                        let base = frame * bins
                        for bin in 0..<bins where data[base + bin] > column[bin] {
                            column[bin] = data[base + bin]
                        }
                    }
                    for bin in 0..<bins {
                        let color = table[Colormap.tableIndex(normalized(column[bin]))]
                        for row in layout.rows(forBin: bin) {
                            let i = (row * imageWidth + plot.minX + x) * 3
                            pixels[i] = color.r
                            pixels[i + 1] = color.g
                            pixels[i + 2] = color.b
                        }
                    }
                }
            }
        }
    }

    /// The colour bar: bottom row the low end of the value range, top row the high end, matching
    /// the value ticks' rows.
    func drawColorBar(into image: inout RGBImage, layout: Layout) {
        let table = colorTable
        let bar = layout.colorBar
        let flat = !(layout.valueRange.upperBound > layout.valueRange.lowerBound)
        for y in bar.minY..<bar.maxY {
            let t = flat ? 1 : Float(Double(bar.maxY - y) - 0.5) / Float(bar.height)
            image.drawHorizontalLine(y: y, xs: bar.minX..<bar.maxX, color: table[Colormap.tableIndex(t)])
        }
    }
}
