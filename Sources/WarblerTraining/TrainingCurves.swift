// A picture of a run: training loss (left axis, red) and validation row-wise F1 and mAP (right
// axis 0-1, blue and green) per epoch, with a legend.
import Foundation
import WarblerPlot

public enum TrainingCurves {
    public static func render(_ history: [EpochRecord], width: Int = 720, height: Int = 360) -> RGBImage {
        var image = RGBImage(width: width, height: height)
        let plot = PixelRect(x: 70, y: 40, width: width - 140, height: height - 90)
        image.strokeRect(PixelRect(x: plot.minX - 1, y: plot.minY - 1, width: plot.width + 2, height: plot.height + 2), color: .black)
        let red = RGB(r: 200, g: 40, b: 40), blue = RGB(r: 40, g: 80, b: 200), green = RGB(r: 30, g: 150, b: 60)
        _ = image.drawText("training loss", x: 10, y: 10, color: red, scale: 2)
        _ = image.drawText("val F1", x: width - 250, y: 10, color: blue, scale: 2)
        _ = image.drawText("val mAP", x: width - 140, y: 10, color: green, scale: 2)
        _ = image.drawText("epoch", x: plot.minX + plot.width / 2 - 30, y: height - 24, color: .black, scale: 2)
        guard !history.isEmpty else { return image }
        let losses = history.map(\.trainLoss)
        let maxLoss = max(losses.max() ?? 1, 1e-6)
        func px(_ i: Int) -> Int { plot.minX + (history.count == 1 ? plot.width / 2 : i * (plot.width - 1) / (history.count - 1)) }
        func py(_ v: Double, _ top: Double) -> Int { plot.minY + plot.height - 1 - Int(Double(plot.height - 1) * min(max(v / top, 0), 1)) }
        // Axis labels: loss scale on the left, 0-1 on the right, first and last epoch below.
        _ = image.drawText(String(format: "%.3g", maxLoss), x: 4, y: plot.minY, color: red)
        _ = image.drawText("0", x: 50, y: plot.minY + plot.height - 8, color: red)
        _ = image.drawText("1.0", x: plot.minX + plot.width + 6, y: plot.minY, color: blue)
        _ = image.drawText("0", x: plot.minX + plot.width + 6, y: plot.minY + plot.height - 8, color: blue)
        _ = image.drawText("1", x: px(0) - 3, y: plot.minY + plot.height + 6, color: .black)
        _ = image.drawText("\(history.count)", x: px(history.count - 1) - 6, y: plot.minY + plot.height + 6, color: .black)
        func series(_ values: [Double?], top: Double, color: RGB) {
            var last: (Int, Int)?
            for (i, v) in values.enumerated() {
                guard let v else { last = nil; continue }
                let p = (px(i), py(v, top))
                if let l = last { image.drawLine(from: l, to: p, color: color) }
                image.fill(PixelRect(x: p.0 - 2, y: p.1 - 2, width: 5, height: 5), color: color)
                last = p
            }
        }
        series(losses, top: maxLoss, color: red)
        series(history.map(\.validationF1), top: 1, color: blue)
        series(history.map(\.validationMAP), top: 1, color: green)
        return image
    }
}
