// SpectrogramFigure+Placement: computes the Layout: sizes the plot from the data, stacks title,
// unit row, plot, time ticks and axis label vertically, puts the frequency labels left and the
// colour bar right, then places the labels so that none collide (fixed labels first, then the
// colour-bar, frequency and time ticks; a tick whose label would collide is dropped).

extension SpectrogramFigure {
    func makeLayout(valueRange: ClosedRange<Float>) -> Layout {
        let scale = max(1, textScale)
        let lineHeight = BitmapFont.lineHeight(scale: scale)
        let capHeight = BitmapFont.capHeight * scale
        let margin = FigureStyle.margin(scale: scale)
        let tickLength = FigureStyle.tickLength(scale: scale)
        let labelGap = FigureStyle.labelGap(scale: scale)
        let isEmpty = frames == 0 || bins == 0

        // Plot size from the data.
        let narrowest = max(1, minPlotWidth)
        let plotWidth = isEmpty ? narrowest : min(max(narrowest, maxPlotWidth), max(narrowest, frames))
        let pixelsPerBin = bins > 0 ? max(2, (max(1, minPlotHeight) + bins - 1) / bins) : 0
        let plotHeight = bins > 0 ? bins * pixelsPerBin : max(2, minPlotHeight)

        // Tick candidates; vertical ones keep a body height plus some air between them.
        let verticalGap = capHeight + 6 * scale
        let frequency = frequencyTickCandidates(plotHeight: plotHeight, pixelsPerBin: pixelsPerBin, minimumGap: verticalGap)
        let valueCandidates = valueTickCandidates(range: valueRange, height: plotHeight, minimumGap: verticalGap)
        let time = timeTickCandidates(plotWidth: plotWidth, minimumGap: 10 * scale, scale: scale)
        func width(_ text: String) -> Int { BitmapFont.width(of: text, scale: scale) }

        // Horizontal: frequency labels | ticks | plot | gap | colour bar | ticks | value labels.
        let frequencyColumn = max(width(frequency.axisLabel), frequency.ticks.map { width($0.label) }.max() ?? 0)
        let frequencyLabelRight = margin + frequencyColumn
        let plotX = frequencyLabelRight + labelGap + tickLength + 1
        let colorBarX = plotX + plotWidth + 1 + FigureStyle.colorBarGap(scale: scale)
        let colorBarWidth = FigureStyle.colorBarWidth(scale: scale)
        let valueLabelX = colorBarX + colorBarWidth + 1 + tickLength + labelGap
        let valueColumn = valueCandidates.map { width($0.label) }.max() ?? 0
        let imageWidth = max(valueLabelX + valueColumn, colorBarX + width(unit)) + margin

        // Vertical: title | unit row | plot | ticks | tick labels | axis label.
        var y = margin
        var titleText: String?
        if let title, !title.isEmpty {
            titleText = Self.shortened(title, toWidth: imageWidth - 2 * margin, scale: scale)
            y += lineHeight + 2 * scale
        }
        let unitRowY = y
        let plotY = unitRowY + lineHeight + capHeight / 2 + 2 * scale
        let plot = PixelRect(x: plotX, y: plotY, width: plotWidth, height: plotHeight)
        let colorBar = PixelRect(x: colorBarX, y: plotY, width: colorBarWidth, height: plotHeight)
        let timeLabelY = plot.maxY + 1 + tickLength + labelGap
        let axisLabelY = timeLabelY + capHeight + 4 * scale
        let imageHeight = axisLabelY + lineHeight + margin

        // Fixed labels.
        var placer = LabelPlacer(
            bounds: PixelRect(x: 0, y: 0, width: imageWidth, height: imageHeight),
            padding: FigureStyle.labelPadding(scale: scale))
        func fixed(_ text: String, x: Int, y: Int) -> PlacedText {
            let label = PlacedText(text: text, frame: PixelRect(x: x, y: y, width: width(text), height: lineHeight))
            _ = placer.place(label.frame)
            return label
        }
        let titleLabel = titleText.map { text in
            let x = min(max(margin, plot.minX + (plot.width - width(text)) / 2), imageWidth - margin - width(text))
            return fixed(text, x: x, y: margin)
        }
        let frequencyAxisLabel = fixed(frequency.axisLabel, x: frequencyLabelRight - width(frequency.axisLabel), y: unitRowY)
        let unitLabel = fixed(unit, x: colorBarX, y: unitRowY)
        let timeAxisLabel = fixed(time.axisLabel, x: plot.minX + (plot.width - width(time.axisLabel)) / 2, y: axisLabelY)
        var note: PlacedText?
        if isEmpty {
            let text = frames == 0 ? "No frames to display" : "No frequency bins to display"
            note = fixed(text, x: plot.minX + (plot.width - width(text)) / 2, y: plot.minY + (plot.height - capHeight) / 2)
        }

        // Ticks, in order of importance; each keeps its label only if it fits.
        func place(_ candidates: [TickCandidate], frame: (TickCandidate) -> PixelRect, position: (TickCandidate) -> Int) -> [AxisTick] {
            var kept: [AxisTick] = []
            for candidate in candidates {
                let labelFrame = frame(candidate)
                guard placer.place(labelFrame) else { continue }
                kept.append(
                    AxisTick(
                        value: candidate.value, position: position(candidate),
                        label: PlacedText(text: candidate.label, frame: labelFrame)))
            }
            return kept.sorted { $0.value < $1.value }
        }
        let valueTicks = place(
            valueCandidates,
            frame: { tick in
                PixelRect(x: valueLabelX, y: plotY + tick.offset - capHeight / 2, width: width(tick.label), height: capHeight)
            }, position: { plotY + $0.offset })
        let frequencyTicks = place(
            frequency.ticks,
            frame: { tick in
                let labelWidth = width(tick.label)
                return PixelRect(
                    x: frequencyLabelRight - labelWidth, y: plotY + tick.offset - capHeight / 2,
                    width: labelWidth, height: capHeight)
            }, position: { plotY + $0.offset })
        let timeTicks = place(
            time.ticks,
            frame: { tick in
                let labelWidth = width(tick.label)
                return PixelRect(x: plotX + tick.offset - labelWidth / 2, y: timeLabelY, width: labelWidth, height: capHeight)
            }, position: { plotX + $0.offset })

        return Layout(
            imageWidth: imageWidth, imageHeight: imageHeight, plot: plot, colorBar: colorBar,
            pixelsPerBin: pixelsPerBin, frames: frames, bins: bins, valueRange: valueRange,
            timeTicks: timeTicks, frequencyTicks: frequencyTicks, valueTicks: valueTicks,
            title: titleLabel, timeAxisLabel: timeAxisLabel, frequencyAxisLabel: frequencyAxisLabel,
            unitLabel: unitLabel, note: note)
    }

    /// `text` if it fits in `width` pixels, else its longest tail that fits after "..." (file names
    /// keep their informative end).
    static func shortened(_ text: String, toWidth width: Int, scale: Int) -> String {
        if BitmapFont.width(of: text, scale: scale) <= width { return text }
        var tail = Substring(text)
        while !tail.isEmpty && BitmapFont.width(of: "..." + tail, scale: scale) > width { tail = tail.dropFirst() }
        return "..." + tail
    }
}
