// The element types of the safetensors format and their conversion to float32. Floating types
// convert exactly (F16 and BF16 widen without rounding; F64 rounds to nearest); the integer and
// boolean types are accepted because PyTorch checkpoints carry them (BatchNorm's
// num_batches_tracked is I64) and convert by value.
import Foundation

#if _endian(big)
    #error("SafeTensors reads and writes little-endian data with plain copies; big-endian hosts are not supported.")
#endif

public enum SafeTensorsDType: String, CaseIterable, Sendable {
    case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

    public var byteCount: Int {
        switch self {
        case .f64, .i64: 8
        case .f32, .i32: 4
        case .f16, .bf16, .i16: 2
        case .i8, .u8, .bool: 1
        }
    }

    /// `count` elements of this type from little-endian `bytes` (any alignment), as float32.
    func floats(from bytes: UnsafeRawBufferPointer, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { out, n in
            switch self {
            case .f32:
                if count > 0 { UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<count * 4])) }
            case .f64: for i in 0..<count { out[i] = Float(bytes.loadUnaligned(fromByteOffset: i * 8, as: Double.self)) }
            case .f16: for i in 0..<count { out[i] = Self.float(half: bytes.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) }
            case .bf16:
                for i in 0..<count { out[i] = Float(bitPattern: UInt32(bytes.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) << 16) }
            case .i64: for i in 0..<count { out[i] = Float(bytes.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)) }
            case .i32: for i in 0..<count { out[i] = Float(bytes.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)) }
            case .i16: for i in 0..<count { out[i] = Float(bytes.loadUnaligned(fromByteOffset: i * 2, as: Int16.self)) }
            case .i8: for i in 0..<count { out[i] = Float(Int8(bitPattern: bytes[i])) }
            case .u8: for i in 0..<count { out[i] = Float(bytes[i]) }
            case .bool: for i in 0..<count { out[i] = bytes[i] != 0 ? 1 : 0 }
            }
            n = count
        }
    }

    /// IEEE 754 binary16 bits widened to float32 (exact, subnormals, infinities and NaNs kept).
    static func float(half h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa * 2^-24, exact in float32.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }
}
