// SpectrogramFigure+Drawing: the non-data parts of the figure: frames around the plot and colour
// bar, tick marks, tick labels, axis labels, unit, title and the empty-plot note, all as laid out
// by SpectrogramFigure+Placement.swift.

extension SpectrogramFigure {
    func drawDecorations(into image: inout RGBImage, layout: Layout) {
        let scale = max(1, textScale)
        let tickLength = FigureStyle.tickLength(scale: scale)
        let plotFrame = layout.plot.outsetBy(1)
        let barFrame = layout.colorBar.outsetBy(1)
        image.strokeRect(plotFrame, color: FigureStyle.frame)
        image.strokeRect(barFrame, color: FigureStyle.frame)

        for tick in layout.timeTicks {
            image.drawVerticalLine(x: tick.position, ys: plotFrame.maxY..<plotFrame.maxY + tickLength, color: FigureStyle.frame)
        }
        for tick in layout.frequencyTicks {
            image.drawHorizontalLine(y: tick.position, xs: plotFrame.minX - tickLength..<plotFrame.minX, color: FigureStyle.frame)
        }
        for tick in layout.valueTicks {
            image.drawHorizontalLine(y: tick.position, xs: barFrame.maxX..<barFrame.maxX + tickLength, color: FigureStyle.frame)
        }
        for label in layout.allLabels {
            image.drawText(label.text, x: label.frame.minX, y: label.frame.minY, color: FigureStyle.text, scale: scale)
        }
    }
}
