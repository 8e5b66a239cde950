// RGB: one 8-bit sRGB colour, the pixel type of `RGBImage`.

/// An 8-bit-per-channel colour in the sRGB colour space (gamma-encoded, as stored in a PNG).
public struct RGB: Sendable, Equatable, Hashable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(r: UInt8, g: UInt8, b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// A neutral grey with all three channels equal to `level`.
    public init(gray level: UInt8) {
        self.init(r: level, g: level, b: level)
    }

    public static let black = RGB(gray: 0)
    public static let white = RGB(gray: 255)
}
