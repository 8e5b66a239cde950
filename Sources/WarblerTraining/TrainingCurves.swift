// A picture of a run: training and validation loss (left axis, red and orange) and validation
// row-wise F1 and mAP (right axis 0-1, blue and green) per epoch, with a legend, ticks along both
// axes and every few epochs, and a grey vertical band at the best epoch (the one best.safetensors
// holds).
import Foundation
import WarblerPlot

public enum TrainingCurves {
    static let red = RGB(r: 200, g: 40, b: 40), orange = RGB(r: 235, g: 140, b: 20)
    static let blue = RGB(r: 40, g: 80, b: 200), green = RGB(r: 30, g: 150, b: 60)
    static let bestMark = RGB(r: 215, g: 215, b: 215), grid = RGB(r: 238, g: 238, b: 238)

    /// The plot area of a picture of `width` x `height` (tests find the series inside it).
    public static func plotArea(width: Int, height: Int) -> PixelRect {
        PixelRect(x: 70, y: 50, width: width - 140, height: height - 100)
    }

    /// The x pixel of epoch index `i` (0-based) of `count` epochs.
    public static func x(epochIndex i: Int, count: Int, in plot: PixelRect) -> Int {
        plot.minX + (count == 1 ? plot.width / 2 : i * (plot.width - 1) / (count - 1))
    }

    public static func render(_ history: [EpochRecord], bestEpoch: Int? = nil, width: Int = 720, height: Int = 360) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        let plot = plotArea(width: width, height: height)
        // Legend: two rows so nothing overlaps at the default width.
        var x = image.drawText("train loss", x: 10, y: 8, color: red, scale: 2) + 14
        x = image.drawText("val loss", x: x, y: 8, color: orange, scale: 2) + 14
        x = image.drawText("val F1", x: x, y: 8, color: blue, scale: 2) + 14
        _ = image.drawText("val mAP", x: x, y: 8, color: green, scale: 2)
        _ = image.drawText("epoch", x: plot.minX + plot.width / 2 - 30, y: height - 22, color: .black, scale: 2)
        let losses = history.map(\.trainLoss)
        let validationLosses = history.map(\.validationLoss)
        let maxLoss = max((losses + validationLosses.compactMap { $0 }).filter(\.isFinite).max() ?? 1, 1e-6)
        func px(_ i: Int) -> Int { Self.x(epochIndex: i, count: history.count, in: plot) }
        func py(_ v: Double, _ top: Double) -> Int { plot.minY + plot.height - 1 - Int(Double(plot.height - 1) * min(max(v / top, 0), 1)) }
        // Horizontal grid and ticks at quarters: loss on the left, 0-1 on the right.
        for q in 0...4 {
            let y = py(Double(q) / 4, 1)
            if q > 0 && q < 4 { image.fill(PixelRect(x: plot.minX, y: y, width: plot.width, height: 1), color: grid) }
            let loss = String(format: "%.3g", maxLoss * Double(q) / 4)
            _ = image.drawText(loss, x: plot.minX - 8 - 6 * loss.count, y: y - 4, color: red)
            _ = image.drawText(String(format: "%.2g", Double(q) / 4), x: plot.minX + plot.width + 6, y: y - 4, color: blue)
        }
        if !history.isEmpty {
            // The best epoch: a band behind the series, labelled above the plot.
            if let bestEpoch, let i = history.firstIndex(where: { $0.epoch == bestEpoch }) {
                image.fill(PixelRect(x: px(i) - 2, y: plot.minY, width: 5, height: plot.height), color: bestMark)
                _ = image.drawText("best \(bestEpoch)", x: max(plot.minX, min(px(i) - 24, plot.maxX - 48)), y: plot.minY - 12, color: .black)
            }
            // Epoch ticks: every epoch when they fit, else every k-th, always the last.
            let step = max(1, Int((Double(history.count) * 30 / Double(plot.width)).rounded(.up)))
            for i in 0..<history.count where i % step == 0 || i == history.count - 1 {
                if i != history.count - 1 && history.count - 1 - i < step { continue }
                let label = "\(history[i].epoch)"
                image.fill(PixelRect(x: px(i), y: plot.minY + plot.height, width: 1, height: 4), color: .black)
                _ = image.drawText(label, x: px(i) - 3 * label.count, y: plot.minY + plot.height + 7, color: .black)
            }
        }
        image.strokeRect(PixelRect(x: plot.minX - 1, y: plot.minY - 1, width: plot.width + 2, height: plot.height + 2), color: .black)
        func series(_ values: [Double?], top: Double, color: RGB) {
            var last: (Int, Int)?
            for (i, v) in values.enumerated() {
                guard let v, v.isFinite else { last = nil; continue }
                let p = (px(i), py(v, top))
                if let l = last { image.drawLine(from: l, to: p, color: color) }
                image.fill(PixelRect(x: p.0 - 2, y: p.1 - 2, width: 5, height: 5), color: color)
                last = p
            }
        }
        series(losses, top: maxLoss, color: red)
        series(validationLosses, top: maxLoss, color: orange)
        series(history.map(\.validationF1), top: 1, color: blue)
        series(history.map(\.validationMAP), top: 1, color: green)
        return image
    }
}
