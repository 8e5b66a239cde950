// RGBImageTests: pixel access, clipped drawing, and PNG encoding/writing.
import Foundation
import XCTest
import WarblerPlot

final class RGBImageTests: XCTestCase {
    private let red = RGB(r: 255, g: 0, b: 0)

    func testNewImageIsFilledWithBackground() {
        let image = RGBImage(width: 3, height: 2, background: RGB(r: 1, g: 2, b: 3))
        XCTAssertEqual(image.pixels.count, 18)
        XCTAssertEqual(image[2, 1], RGB(r: 1, g: 2, b: 3))
        XCTAssertEqual(Array(image.pixels.prefix(6)), [1, 2, 3, 1, 2, 3])
    }

    func testPixelsAreStoredRowMajorTopToBottom() {
        var image = RGBImage(width: 4, height: 3)
        image.setPixel(x: 1, y: 2, color: red)
        XCTAssertEqual(image[1, 2], red)
        let i = (2 * 4 + 1) * 3
        XCTAssertEqual(Array(image.pixels[i..<i + 3]), [255, 0, 0])
        image[3, 0] = red
        XCTAssertEqual(image[3, 0], red)
    }

    func testDrawingOutsideIsClipped() {
        var image = RGBImage(width: 5, height: 5)
        image.setPixel(x: -1, y: 0, color: red)
        image.setPixel(x: 5, y: 5, color: red)
        XCTAssertEqual(image, RGBImage(width: 5, height: 5))
        image.fill(PixelRect(x: 3, y: 3, width: 10, height: 10), color: red)
        let reds = (0..<5).flatMap { y in (0..<5).map { x in image[x, y] } }.filter { $0 == red }.count
        XCTAssertEqual(reds, 4)
    }

    func testLines() {
        var image = RGBImage(width: 6, height: 6)
        image.drawHorizontalLine(y: 1, xs: 1..<4, color: red)
        XCTAssertEqual((0..<6).filter { image[$0, 1] == red }, [1, 2, 3])
        image.drawVerticalLine(x: 5, ys: 2..<6, color: red)
        XCTAssertEqual((0..<6).filter { image[5, $0] == red }, [2, 3, 4, 5])
        var diagonal = RGBImage(width: 4, height: 4)
        diagonal.drawLine(from: (0, 0), to: (3, 3), color: red)
        for i in 0..<4 { XCTAssertEqual(diagonal[i, i], red) }
        var frame = RGBImage(width: 4, height: 4)
        frame.strokeRect(PixelRect(x: 0, y: 0, width: 4, height: 4), color: red)
        XCTAssertEqual(frame[0, 3], red)
        XCTAssertEqual(frame[1, 1], RGB.white)
    }

    func testPNGStartsWithSignature() throws {
        var image = RGBImage(width: 7, height: 3)
        image.fill(PixelRect(x: 0, y: 0, width: 2, height: 2), color: red)
        let data = try image.pngData()
        XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // IHDR carries the size, big-endian, at bytes 16..<24.
        XCTAssertEqual(Array(data[16..<24]), [0, 0, 0, 7, 0, 0, 0, 3])
    }

    func testWritePNGWritesTheEncodedBytes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("warbler-plot-\(UUID()).png").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let image = RGBImage(width: 2, height: 2, background: red)
        try image.writePNG(to: path)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), try image.pngData())
    }
}
