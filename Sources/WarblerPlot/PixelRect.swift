// PixelRect: an axis-aligned rectangle of whole pixels, used for filling, layout and hit tests.

/// A rectangle of pixels: columns `minX ..< minX + width`, rows `minY ..< minY + height`
/// (y grows downwards, as in the image). Width and height are never negative.
public struct PixelRect: Sendable, Equatable, Hashable {
    public var minX: Int
    public var minY: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.minX = x
        self.minY = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    /// One past the last column.
    public var maxX: Int { minX + width }
    /// One past the last row.
    public var maxY: Int { minY + height }
    public var isEmpty: Bool { width == 0 || height == 0 }

    public func contains(x: Int, y: Int) -> Bool {
        x >= minX && x < maxX && y >= minY && y < maxY
    }

    /// Whether the two rectangles share at least one pixel.
    public func intersects(_ other: PixelRect) -> Bool {
        !isEmpty && !other.isEmpty
            && minX < other.maxX && other.minX < maxX
            && minY < other.maxY && other.minY < maxY
    }

    /// The pixels both rectangles cover (empty if they do not meet).
    public func intersection(_ other: PixelRect) -> PixelRect {
        let x0 = max(minX, other.minX), y0 = max(minY, other.minY)
        let x1 = min(maxX, other.maxX), y1 = min(maxY, other.maxY)
        return PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// The rectangle shrunk by `amount` pixels on every side (grown if negative).
    public func insetBy(_ amount: Int) -> PixelRect {
        PixelRect(x: minX + amount, y: minY + amount, width: width - 2 * amount, height: height - 2 * amount)
    }

    /// The rectangle grown by `amount` pixels on every side.
    public func outsetBy(_ amount: Int) -> PixelRect { insetBy(-amount) }
}
