// Colormap: the colour scales that turn normalised values (0...1) into pixels.
//
// `warbler` is Warbler's own perceptually uniform sequential map, designed in OKLab: lightness
// rises linearly from 0.27 (dark violet) to 0.94 (pale yellow) while the hue turns through blue,
// teal and green; chroma swells towards the bright end. Where a colour falls outside sRGB, its
// chroma is reduced (lightness and hue kept) until it fits, so lightness stays monotonic.
// Rounding to 8 bits moves lightness by up to a few thousandths, as much as one table step, so
// each entry is the 8-bit colour within one code value of the ideal one that is nearest to it in
// OKLab among those lighter than the previous entry. Both maps are 256-entry lookup tables
// computed once.
import Foundation

/// Maps a value in 0...1 to a colour. Use `Colormap.warbler` or `Colormap.grayscale`.
public typealias ColorMapping = @Sendable (Float) -> RGB

public enum Colormap {
    /// Number of entries in each lookup table.
    public static let tableSize = 256

    /// Warbler's perceptually uniform sequential map: t = 0 darkest, t = 1 lightest.
    /// `t` is clamped to 0...1; NaN gives the darkest colour.
    @Sendable
    public static func warbler(_ t: Float) -> RGB {
        warblerTable[tableIndex(t)]
    }

    /// Black (t = 0) to white (t = 1), linear in sRGB code values. NaN gives black.
    public static let grayscale: ColorMapping = { t in grayscaleTable[tableIndex(t)] }

    /// Lookup-table index of `t`: clamped to 0...1, rounded to the nearest of `tableSize`
    /// entries, NaN -> 0.
    static func tableIndex(_ t: Float) -> Int {
        guard t > 0 else { return 0 }  // also catches NaN
        guard t < 1 else { return tableSize - 1 }
        return Int((t * Float(tableSize - 1)).rounded())
    }

    static let warblerTable: [RGB] = {
        var table: [RGB] = []
        var previousLightness = -Double.infinity
        for i in 0..<tableSize {
            let ideal = warblerColor(at: Double(i) / Double(tableSize - 1))
            let color = nearestColor(to: ideal, lighterThan: previousLightness)
            table.append(color)
            previousLightness = OKLab(color).l
        }
        return table
    }()

    static let grayscaleTable: [RGB] = (0..<tableSize).map { i in RGB(gray: UInt8(i)) }

    /// The design of `warbler` before quantisation: an OKLab point for each t in 0...1.
    static func warblerColor(at t: Double) -> OKLab {
        let lightness = 0.27 + (0.94 - 0.27) * t
        let hueDegrees = 305.0 - 200.0 * t  // violet -> blue -> teal -> green -> yellow
        let chroma = 0.10 + 0.08 * t * t
        return OKLab(lightness: lightness, chroma: chroma, hue: hueDegrees * .pi / 180).clippedToSRGB()
    }
}

extension Colormap {
    /// The 8-bit colour within one code value per channel of `ideal`'s rounding that is nearest to
    /// `ideal` in OKLab and has lightness above `minimum` (the rounded colour if none qualifies).
    static func nearestColor(to ideal: OKLab, lighterThan minimum: Double) -> RGB {
        let rounded = ideal.rgb
        var best = rounded, bestDistance = Double.infinity
        for dr in -1...1 {
            for dg in -1...1 {
                for db in -1...1 {
                    let r = Int(rounded.r) + dr, g = Int(rounded.g) + dg, b = Int(rounded.b) + db
                    guard (0...255).contains(r), (0...255).contains(g), (0...255).contains(b) else { continue }
                    let candidate = RGB(r: UInt8(r), g: UInt8(g), b: UInt8(b))
                    let lab = OKLab(candidate)
                    guard lab.l > minimum else { continue }
                    let distance =
                        (lab.l - ideal.l) * (lab.l - ideal.l) + (lab.a - ideal.a) * (lab.a - ideal.a)
                        + (lab.b - ideal.b) * (lab.b - ideal.b)
                    if distance < bestDistance { best = candidate; bestDistance = distance }
                }
            }
        }
        return best
    }
}

extension OKLab {
    /// This colour with its chroma reduced (same lightness and hue) just enough to be inside
    /// sRGB, found by bisection. Colours already inside are returned unchanged.
    func clippedToSRGB() -> OKLab {
        if isInSRGBGamut { return self }
        let chroma = (a * a + b * b).squareRoot()
        let hue = atan2(b, a)
        var inside = 0.0, outside = chroma
        for _ in 0..<40 {
            let mid = (inside + outside) / 2
            if OKLab(lightness: l, chroma: mid, hue: hue).isInSRGBGamut { inside = mid } else { outside = mid }
        }
        return OKLab(lightness: l, chroma: inside, hue: hue)
    }
}
