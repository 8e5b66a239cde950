// BitmapFont: Warbler's built-in proportional pixel font (5x7 body, 2-row descender) and its metrics.
// The drawings live in BitmapFont+Glyphs.swift; drawing onto an image is in RGBImage+Text.swift.

/// A tiny pixel font covering printable ASCII. Text is one line; every unit below is in pixels
/// at `scale` 1 and multiplies by `scale` (each font pixel becomes a `scale` x `scale` block).
public enum BitmapFont {
    /// One character's pixels: `rows[i]` bit `c` set means ink at column `c` of row `i`.
    struct Glyph: Sendable {
        let width: Int
        let rows: [UInt8]

        func isInked(column: Int, row: Int) -> Bool {
            row < rows.count && (rows[row] >> UInt8(column)) & 1 == 1
        }
    }

    /// Rows in a glyph cell: the 7-row body plus the 2-row descender.
    public static let cellHeight = 9
    /// Height of capitals and digits.
    public static let capHeight = 7
    /// Blank columns between neighbouring glyphs.
    public static let letterSpacing = 1

    static let glyphs: [Character: Glyph] = {
        var table: [Character: Glyph] = [:]
        for (character, drawing) in glyphDrawings {
            table[character] = parse(drawing)
        }
        return table
    }()

    static let missingGlyph = parse(missingGlyphDrawing)

    /// Whether the font has a drawing for `character` (others render as an empty box).
    public static func hasGlyph(for character: Character) -> Bool {
        glyphs[character] != nil
    }

    static func glyph(for character: Character) -> Glyph {
        glyphs[character] ?? missingGlyph
    }

    /// Width in pixels of `text` drawn at `scale`: glyph widths plus the spacing between them
    /// (no trailing space after the last glyph). Empty text measures 0.
    public static func width(of text: String, scale: Int = 1) -> Int {
        var total = 0
        var count = 0
        for character in text {
            total += glyph(for: character).width
            count += 1
        }
        guard count > 0 else { return 0 }
        return (total + (count - 1) * letterSpacing) * max(1, scale)
    }

    /// Height in pixels of a line of text at `scale`, descender included.
    public static func lineHeight(scale: Int = 1) -> Int {
        cellHeight * max(1, scale)
    }

    private static func parse(_ drawing: String) -> Glyph {
        let rowStrings = drawing.split(separator: " ")
        precondition(rowStrings.count <= cellHeight, "BitmapFont: glyph '\(drawing)' has too many rows")
        var rows: [UInt8] = []
        var width = 0
        for rowString in rowStrings {
            var bits: UInt8 = 0
            for (column, mark) in rowString.enumerated() where mark == "#" {
                bits |= 1 << UInt8(column)
            }
            rows.append(bits)
            width = max(width, rowString.count)
        }
        precondition(width <= 8, "BitmapFont: glyph '\(drawing)' is wider than 8 columns")
        return Glyph(width: width, rows: rows)
    }
}
