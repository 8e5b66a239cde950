// curves.png (issue 13): validation loss is drawn beside the training loss, the best epoch is
// marked, and every epoch gets a tick when they fit.
import WarblerPlot
import XCTest
@testable import WarblerTraining

final class TrainingCurvesTests: XCTestCase {
    private func record(_ epoch: Int, loss: Double, validationLoss: Double?, f1: Double) -> EpochRecord {
        EpochRecord(
            epoch: epoch, step: epoch * 10, trainLoss: loss, learningRate: 1e-3, seconds: 1, samplesPerSecond: 1,
            idleSeconds: 0, validationF1: f1, validationThreshold: 0.5, validationF1AtFixedThreshold: f1,
            validationMAP: f1, validationCMAP: nil, perClassAP: [:], validationLoss: validationLoss,
            perClassThresholds: nil)
    }

    private func count(_ image: RGBImage, _ color: RGB, in rect: PixelRect) -> Int {
        var n = 0
        for y in rect.minY..<rect.maxY { for x in rect.minX..<rect.maxX where image[x, y] == color { n += 1 } }
        return n
    }

    func testValidationLossAndTheBestEpochAreDrawn() {
        let history = (1...6).map { record($0, loss: 1.0 / Double($0), validationLoss: 0.8 / Double($0) + 0.1, f1: 0.15 * Double($0)) }
        let image = TrainingCurves.render(history, bestEpoch: 4)
        let plot = TrainingCurves.plotArea(width: image.width, height: image.height)
        XCTAssertGreaterThan(count(image, TrainingCurves.orange, in: plot), 20, "validation loss series")
        XCTAssertGreaterThan(count(image, TrainingCurves.red, in: plot), 20, "training loss series")
        // The best epoch's band: a grey column at epoch 4's x, absent at epoch 2's.
        let column = { (i: Int) in
            PixelRect(x: TrainingCurves.x(epochIndex: i, count: 6, in: plot), y: plot.minY, width: 1, height: plot.height)
        }
        XCTAssertGreaterThan(count(image, TrainingCurves.bestMark, in: column(3)), plot.height / 2)
        XCTAssertEqual(count(image, TrainingCurves.bestMark, in: column(1)), 0)
        // One tick below the plot for every epoch.
        let ticks = (0..<6).filter { i in
            image[TrainingCurves.x(epochIndex: i, count: 6, in: plot), plot.maxY + 2] == .black
        }
        XCTAssertEqual(ticks.count, 6)
        // Without a best epoch or validation loss (older runs), nothing of either is drawn.
        let plain = TrainingCurves.render(
            history.map {
                var r = $0; r.validationLoss = nil; return r
            })
        XCTAssertEqual(count(plain, TrainingCurves.bestMark, in: plot), 0)
        XCTAssertEqual(count(plain, TrainingCurves.orange, in: plot), 0)
    }

    func testLongRunsGetSparseTicksThatDoNotCollide() {
        let history = (1...200).map { record($0, loss: 1, validationLoss: nil, f1: 0.5) }
        let image = TrainingCurves.render(history)
        let plot = TrainingCurves.plotArea(width: image.width, height: image.height)
        let tickXs = (plot.minX..<plot.maxX).filter { image[$0, plot.maxY + 2] == .black }
        XCTAssertGreaterThan(tickXs.count, 5)
        XCTAssertLessThanOrEqual(tickXs.count, plot.width / 24)
        XCTAssertEqual(tickXs.last, TrainingCurves.x(epochIndex: 199, count: 200, in: plot), "the last epoch is labelled")
        for (a, b) in zip(tickXs, tickXs.dropFirst()) { XCTAssertGreaterThanOrEqual(b - a, 24) }
    }
}
