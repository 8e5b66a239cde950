// PNG output through libpng's simplified API, written atomically.
import CPNG
import Foundation

public enum PNGWriter {
    /// Encodes an 8-bit RGB image (`pixels` holds width*height*3 bytes, rows top to bottom).
    public static func encodeRGB(width: Int, height: Int, pixels: [UInt8]) throws -> Data {
        precondition(pixels.count == width * height * 3, "PNGWriter: \(pixels.count) bytes is not \(width)x\(height) RGB")
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = png_uint_32(PNG_FORMAT_RGB)
        var size: png_alloc_size_t = 0
        // First call sizes the output, second fills it.
        let ok1 = pixels.withUnsafeBytes { px in
            png_image_write_to_memory(&image, nil, &size, 0, px.baseAddress, png_int_32(width * 3), nil)
        }
        guard ok1 != 0, size > 0 else {
            throw FileError(path: "<png>", reason: "libpng could not size the image (\(message(image))).")
        }
        var out = Data(count: Int(size))
        let ok2 = out.withUnsafeMutableBytes { dst in
            pixels.withUnsafeBytes { px in
                png_image_write_to_memory(&image, dst.baseAddress, &size, 0, px.baseAddress, png_int_32(width * 3), nil)
            }
        }
        png_image_free(&image)
        guard ok2 != 0 else { throw FileError(path: "<png>", reason: "libpng failed (\(message(image))).") }
        return out.prefix(Int(size))
    }

    /// Writes an RGB image to `path` atomically.
    public static func writeRGB(width: Int, height: Int, pixels: [UInt8], to path: String) throws {
        let data = try encodeRGB(width: width, height: height, pixels: pixels)
        try AtomicFile.write(data, to: path)
    }

    private static func message(_ image: png_image) -> String {
        var m = image.message
        return withUnsafeBytes(of: &m) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}
