// RGBImage+PNG: PNG encoding and atomic file output through WarblerIO's PNGWriter.
import Foundation
import WarblerIO

extension RGBImage {
    /// The image encoded as a PNG file (8-bit RGB).
    public func pngData() throws -> Data {
        try PNGWriter.encodeRGB(width: width, height: height, pixels: pixels)
    }

    /// Writes the image as a PNG to `path`, atomically (readers never see a half-written file).
    public func writePNG(to path: String) throws {
        try PNGWriter.writeRGB(width: width, height: height, pixels: pixels, to: path)
    }
}
