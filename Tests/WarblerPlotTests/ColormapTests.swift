// ColormapTests: the warbler map is perceptually ordered (lightness rises monotonically), spans
// dark to light, clamps its input and sends NaN to the darkest colour; grayscale is black to white.
import Foundation
import XCTest
import WarblerPlot

final class ColormapTests: XCTestCase {
    /// OKLab lightness of an 8-bit sRGB colour, computed independently of the library.
    private func oklabLightness(_ c: RGB) -> Double {
        func linear(_ v: UInt8) -> Double {
            let x = Double(v) / 255
            return x <= 0.04045 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4)
        }
        let r = linear(c.r), g = linear(c.g), b = linear(c.b)
        let l = cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b)
        let m = cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b)
        let s = cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b)
        return 0.2104542553 * l + 0.7936177850 * m - 0.0040720468 * s
    }

    /// Rec. 709 luma of the gamma-encoded components, 0...255.
    private func luma(_ c: RGB) -> Double {
        0.2126 * Double(c.r) + 0.7152 * Double(c.g) + 0.0722 * Double(c.b)
    }

    private var samples: [RGB] {
        (0...255).map { Colormap.warbler(Float($0) / 255) }
    }

    func testWarblerLightnessIncreasesMonotonically() {
        let lightness = samples.map(oklabLightness)
        for i in 1..<lightness.count {
            XCTAssertGreaterThan(lightness[i], lightness[i - 1], "OKLab L falls between entries \(i - 1) and \(i)")
        }
        // Rec. 709 luma is only roughly perceptual; it must still rise every 8 entries.
        let lumas = stride(from: 0, to: 256, by: 8).map { luma(samples[$0]) } + [luma(samples[255])]
        for i in 1..<lumas.count {
            XCTAssertGreaterThan(lumas[i], lumas[i - 1], "luma falls between samples \(i - 1) and \(i)")
        }
    }

    func testWarblerLightnessIsNearlyLinear() {
        // Perceptual uniformity: equal steps in t give (almost) equal steps in lightness. Single
        // entries differ by about one 8-bit rounding, so compare steps of 15 entries.
        let lightness = stride(from: 0, through: 255, by: 15).map { oklabLightness(samples[$0]) }
        let steps = zip(lightness, lightness.dropFirst()).map { $1 - $0 }
        let mean = (lightness.last! - lightness.first!) / Double(steps.count)
        for step in steps { XCTAssertEqual(step, mean, accuracy: mean * 0.1) }
        XCTAssertLessThan(lightness.first!, 0.35)
        XCTAssertGreaterThan(lightness.last!, 0.9)
    }

    func testWarblerGoesFromVioletThroughTealToYellow() {
        let dark = Colormap.warbler(0), middle = Colormap.warbler(0.55), light = Colormap.warbler(1)
        XCTAssertGreaterThan(dark.b, dark.g, "the dark end is violet/blue")
        XCTAssertGreaterThan(middle.g, middle.r, "the middle is teal")
        XCTAssertGreaterThan(light.r, light.b, "the light end is yellow")
        XCTAssertGreaterThan(light.g, light.b, "the light end is yellow")
    }

    func testInputIsClampedAndNaNIsDarkest() {
        XCTAssertEqual(Colormap.warbler(-3), Colormap.warbler(0))
        XCTAssertEqual(Colormap.warbler(7), Colormap.warbler(1))
        XCTAssertEqual(Colormap.warbler(.nan), Colormap.warbler(0))
        XCTAssertEqual(Colormap.warbler(-.infinity), Colormap.warbler(0))
        XCTAssertEqual(Colormap.warbler(.infinity), Colormap.warbler(1))
    }

    func testGrayscaleRunsFromBlackToWhite() {
        XCTAssertEqual(Colormap.grayscale(0), RGB.black)
        XCTAssertEqual(Colormap.grayscale(1), RGB.white)
        XCTAssertEqual(Colormap.grayscale(.nan), RGB.black)
        let mid = Colormap.grayscale(0.5)
        XCTAssertEqual(mid.r, mid.g)
        XCTAssertEqual(mid.g, mid.b)
        XCTAssertEqual(Int(mid.r), 128, accuracy: 1)
    }
}
