// RGBImage: an in-memory 8-bit RGB raster with clipped pixel, rectangle and line drawing.
// Drawing outside the image is silently clipped, so callers can draw near the edges freely.

/// An 8-bit RGB picture. `pixels` holds `width * height * 3` bytes, rows top to bottom,
/// each pixel as r, g, b. Coordinates: x to the right, y downwards, (0, 0) the top-left pixel.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    /// A `width` x `height` image filled with `background` (negative sizes count as 0).
    public init(width: Int, height: Int, background: RGB = .white) {
        self.width = max(0, width)
        self.height = max(0, height)
        var bytes = [UInt8](repeating: 0, count: self.width * self.height * 3)
        for i in stride(from: 0, to: bytes.count, by: 3) {
            bytes[i] = background.r
            bytes[i + 1] = background.g
            bytes[i + 2] = background.b
        }
        self.pixels = bytes
    }

    /// The whole image as a rectangle.
    public var bounds: PixelRect { PixelRect(x: 0, y: 0, width: width, height: height) }

    /// The colour at (x, y). Reading outside the image is a programming error; writing outside
    /// is ignored (as with `setPixel`).
    public subscript(x: Int, y: Int) -> RGB {
        get {
            precondition(
                x >= 0 && x < width && y >= 0 && y < height,
                "RGBImage: pixel (\(x), \(y)) is outside \(width)x\(height)")
            let i = (y * width + x) * 3
            return RGB(r: pixels[i], g: pixels[i + 1], b: pixels[i + 2])
        }
        set { setPixel(x: x, y: y, color: newValue) }
    }

    /// Sets one pixel; does nothing if (x, y) lies outside the image.
    public mutating func setPixel(x: Int, y: Int, color: RGB) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        let i = (y * width + x) * 3
        pixels[i] = color.r
        pixels[i + 1] = color.g
        pixels[i + 2] = color.b
    }

    /// Fills the part of `rect` that lies inside the image.
    public mutating func fill(_ rect: PixelRect, color: RGB) {
        let clipped = rect.intersection(bounds)
        guard !clipped.isEmpty else { return }
        let w = width
        pixels.withUnsafeMutableBufferPointer { px in
            for y in clipped.minY..<clipped.maxY {
                var i = (y * w + clipped.minX) * 3
                for _ in 0..<clipped.width {
                    px[i] = color.r
                    px[i + 1] = color.g
                    px[i + 2] = color.b
                    i += 3
                }
            }
        }
    }

    /// Draws the columns `xs` of row `y` (a 1-pixel horizontal line).
    public mutating func drawHorizontalLine(y: Int, xs: Range<Int>, color: RGB) {
        fill(PixelRect(x: xs.lowerBound, y: y, width: xs.count, height: 1), color: color)
    }

    /// Draws the rows `ys` of column `x` (a 1-pixel vertical line).
    public mutating func drawVerticalLine(x: Int, ys: Range<Int>, color: RGB) {
        fill(PixelRect(x: x, y: ys.lowerBound, width: 1, height: ys.count), color: color)
    }

    /// Draws a 1-pixel line between two pixels, both ends included (Bresenham's algorithm).
    public mutating func drawLine(from start: (x: Int, y: Int), to end: (x: Int, y: Int), color: RGB) {
        var x = start.x, y = start.y
        let dx = abs(end.x - x), dy = -abs(end.y - y)
        let sx = x < end.x ? 1 : -1, sy = y < end.y ? 1 : -1
        var error = dx + dy
        while true {
            setPixel(x: x, y: y, color: color)
            if x == end.x && y == end.y { break }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x += sx }
            if doubled <= dx { error += dx; y += sy }
        }
    }

    /// Draws the 1-pixel border just inside `rect`.
    public mutating func strokeRect(_ rect: PixelRect, color: RGB) {
        guard !rect.isEmpty else { return }
        drawHorizontalLine(y: rect.minY, xs: rect.minX..<rect.maxX, color: color)
        drawHorizontalLine(y: rect.maxY - 1, xs: rect.minX..<rect.maxX, color: color)
        drawVerticalLine(x: rect.minX, ys: rect.minY..<rect.maxY, color: color)
        drawVerticalLine(x: rect.maxX - 1, ys: rect.minY..<rect.maxY, color: color)
    }
}
