// OKLab: conversions between Björn Ottosson's OKLab colour space (2020) and sRGB.
// The matrices are the published OKLab <-> linear-sRGB ones; sRGB transfer per IEC 61966-2-1.
import Foundation

/// A colour in OKLab: `l` perceived lightness (0 black ... 1 white), `a` green-red, `b` blue-yellow.
struct OKLab: Sendable, Equatable {
    var l: Double
    var a: Double
    var b: Double

    /// From lightness, chroma and hue angle (radians, measured from +a towards +b).
    init(lightness: Double, chroma: Double, hue: Double) {
        self.init(l: lightness, a: chroma * cos(hue), b: chroma * sin(hue))
    }

    init(l: Double, a: Double, b: Double) {
        self.l = l
        self.a = a
        self.b = b
    }

    /// The OKLab coordinates of an 8-bit sRGB colour.
    init(_ color: RGB) {
        let r = OKLab.linearized(Double(color.r) / 255)
        let g = OKLab.linearized(Double(color.g) / 255)
        let b = OKLab.linearized(Double(color.b) / 255)
        let lc = cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b)
        let mc = cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b)
        let sc = cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b)
        self.l = 0.2104542553 * lc + 0.7936177850 * mc - 0.0040720468 * sc
        self.a = 1.9779984951 * lc - 2.4285922050 * mc + 0.4505937099 * sc
        self.b = 0.0259040371 * lc + 0.7827717662 * mc - 0.8086757660 * sc
    }

    /// Linear-light sRGB components; outside 0...1 when the colour is out of the sRGB gamut.
    var linearSRGB: (r: Double, g: Double, b: Double) {
        let lc = l + 0.3963377774 * a + 0.2158037573 * b
        let mc = l - 0.1055613458 * a - 0.0638541728 * b
        let sc = l - 0.0894841775 * a - 1.2914855480 * b
        let lp = lc * lc * lc, mp = mc * mc * mc, sp = sc * sc * sc
        return (
            r: 4.0767416621 * lp - 3.3077115913 * mp + 0.2309699292 * sp,
            g: -1.2684380046 * lp + 2.6097574011 * mp - 0.3413193965 * sp,
            b: -0.0041960863 * lp - 0.7034186147 * mp + 1.7076147010 * sp
        )
    }

    /// Whether the colour is displayable in sRGB (within a tiny tolerance).
    var isInSRGBGamut: Bool {
        let c = linearSRGB
        let eps = 1e-7
        return c.r >= -eps && c.r <= 1 + eps && c.g >= -eps && c.g <= 1 + eps && c.b >= -eps && c.b <= 1 + eps
    }

    /// The nearest 8-bit sRGB colour, each channel clamped to 0...1 first.
    var rgb: RGB {
        let c = linearSRGB
        return RGB(r: OKLab.encoded(c.r), g: OKLab.encoded(c.g), b: OKLab.encoded(c.b))
    }

    /// sRGB transfer function, linear light -> gamma-encoded (both 0...1).
    static func gammaEncoded(_ x: Double) -> Double {
        x <= 0.0031308 ? 12.92 * x : 1.055 * pow(x, 1 / 2.4) - 0.055
    }

    /// Inverse sRGB transfer function, gamma-encoded -> linear light.
    static func linearized(_ x: Double) -> Double {
        x <= 0.04045 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4)
    }

    private static func encoded(_ linear: Double) -> UInt8 {
        UInt8((gammaEncoded(min(1, max(0, linear))) * 255).rounded())
    }
}
