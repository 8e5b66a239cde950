// BitmapFontTests: text drawing changes pixels only inside the measured box, widths are
// consistent with drawing and with scale, and every character the figures need has a glyph.
import XCTest
import WarblerPlot

final class BitmapFontTests: XCTestCase {
    private func inkedPixels(_ image: RGBImage) -> [(x: Int, y: Int)] {
        var result: [(x: Int, y: Int)] = []
        for y in 0..<image.height {
            for x in 0..<image.width where image[x, y] != RGB.white { result.append((x, y)) }
        }
        return result
    }

    func testDrawnTextStaysInsideItsMeasuredBox() {
        for scale in 1...3 {
            let text = "Frequency (Hz) -40 dB, 12 kHz: 0.5 s 95% a_b=c+d/e gjpqy"
            var image = RGBImage(width: 1200, height: 60)
            let drawnWidth = image.drawText(text, x: 10, y: 5, color: .black, scale: scale)
            XCTAssertEqual(drawnWidth, BitmapFont.width(of: text, scale: scale))
            let ink = inkedPixels(image)
            XCTAssertFalse(ink.isEmpty)
            XCTAssertEqual(ink.map(\.x).min(), 10, "text starts at x")
            XCTAssertEqual(ink.map(\.x).max(), 10 + drawnWidth - 1, "text ends at the measured width")
            XCTAssertEqual(ink.map(\.y).min(), 5)
            XCTAssertLessThan(ink.map(\.y).max()!, 5 + BitmapFont.lineHeight(scale: scale))
            XCTAssertGreaterThanOrEqual(ink.map(\.y).max()!, 5 + BitmapFont.capHeight * scale, "descenders drawn")
        }
    }

    func testWidthsAddUpAndScale() {
        let spacing = BitmapFont.letterSpacing
        XCTAssertEqual(BitmapFont.width(of: ""), 0)
        XCTAssertEqual(BitmapFont.width(of: "ab"), BitmapFont.width(of: "a") + spacing + BitmapFont.width(of: "b"))
        XCTAssertEqual(BitmapFont.width(of: "Time (s)", scale: 3), 3 * BitmapFont.width(of: "Time (s)"))
        XCTAssertEqual(
            BitmapFont.width(of: "0123456789"), 10 * BitmapFont.width(of: "8") + 9 * spacing,
            "digits are all the same width")
        XCTAssertLessThan(BitmapFont.width(of: "i"), BitmapFont.width(of: "m"), "the font is proportional")
    }

    func testNeededCharactersHaveGlyphs() {
        let needed = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz .,:-+()/%_="
        for character in needed {
            XCTAssertTrue(BitmapFont.hasGlyph(for: character), "no glyph for '\(character)'")
        }
    }

    func testDistinctCharactersLookDifferent() {
        func picture(_ character: Character) -> [UInt8] {
            var image = RGBImage(width: 12, height: 12)
            image.drawText(String(character), x: 1, y: 1, color: .black)
            return image.pixels
        }
        let characters = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.,:-+()/%_=")
        let pictures = characters.map(picture)
        for i in 0..<characters.count {
            for j in i + 1..<characters.count {
                XCTAssertNotEqual(pictures[i], pictures[j], "'\(characters[i])' and '\(characters[j])' look the same")
            }
        }
    }

    func testUnknownCharacterIsDrawnAsABox() {
        XCTAssertFalse(BitmapFont.hasGlyph(for: "é"))
        var image = RGBImage(width: 20, height: 20)
        let width = image.drawText("é", x: 2, y: 2, color: .black)
        XCTAssertGreaterThan(width, 0)
        XCTAssertEqual(image[2, 2], RGB.black, "box corner")
        XCTAssertEqual(image[3, 4], RGB.white, "box is hollow")
    }
}
