// RGBImage+Text: drawing one line of text with the built-in BitmapFont.

extension RGBImage {
    /// Draws `text` with its glyph cells' top-left corner at (x, y); capitals occupy rows
    /// y ..< y + 7 * scale and descenders reach y + 9 * scale. Pixels outside the image are
    /// clipped. Characters the font lacks are drawn as an empty box. Returns the drawn width,
    /// equal to `BitmapFont.width(of: text, scale: scale)`.
    @discardableResult
    public mutating func drawText(_ text: String, x: Int, y: Int, color: RGB, scale: Int = 1) -> Int {
        let scale = max(1, scale)
        var penX = x
        var first = true
        for character in text {
            if !first { penX += BitmapFont.letterSpacing * scale }
            first = false
            let glyph = BitmapFont.glyph(for: character)
            for row in 0..<glyph.rows.count where glyph.rows[row] != 0 {
                for column in 0..<glyph.width where glyph.isInked(column: column, row: row) {
                    fill(
                        PixelRect(x: penX + column * scale, y: y + row * scale, width: scale, height: scale),
                        color: color)
                }
            }
            penX += glyph.width * scale
        }
        return penX - x
    }
}
