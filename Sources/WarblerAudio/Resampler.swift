// Sample-rate conversion with libsoxr, streaming: the output does not depend on how the input
// is split into blocks, so a chunked run equals a whole-file run sample for sample.
import CSoxr
import Foundation

/// soxr quality recipes. `.high` is soxr's HQ, librosa's default (`res_type="soxr_hq"`).
public enum ResampleQuality: String, Sendable, Codable, CaseIterable {
    /// soxr QQ: 'quick' cubic interpolation, for previews.
    case quick
    /// soxr LQ (16-bit).
    case low
    /// soxr MQ (16-bit, wider transition band).
    case medium
    /// soxr HQ (20-bit), librosa's default.
    case high
    /// soxr VHQ (28-bit).
    case veryHigh

    var recipe: UInt {
        switch self {
        case .quick: UInt(SOXR_QQ)
        case .low: UInt(SOXR_LQ)
        case .medium: UInt(SOXR_MQ)
        case .high: UInt(SOXR_HQ)
        case .veryHigh: UInt(SOXR_VHQ)
        }
    }

    /// Accepts Warbler's names and soxr's/librosa's (`hq`, `soxr_hq`, `vhq`, ...).
    public init?(name: String) {
        let n = name.lowercased().replacingOccurrences(of: "soxr_", with: "")
        switch n {
        case "quick", "qq", "fast": self = .quick
        case "low", "lq": self = .low
        case "medium", "mq": self = .medium
        case "high", "hq": self = .high
        case "veryhigh", "very-high", "vhq": self = .veryHigh
        default: return nil
        }
    }
}

/// A mono float32 resampler from `inputRate` to `outputRate`.
public final class Resampler {
    public let inputRate: Double
    public let outputRate: Double
    private var soxr: soxr_t?
    private var scratch: [Float] = []

    public init(inputRate: Double, outputRate: Double, quality: ResampleQuality = .high) throws {
        self.inputRate = inputRate
        self.outputRate = outputRate
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var q = soxr_quality_spec(quality.recipe, 0)
        var rt = soxr_runtime_spec(1)
        var error: soxr_error_t?
        soxr = soxr_create(inputRate, outputRate, 1, &error, &io, &q, &rt)
        if let e = error {
            throw AudioError(.invalidOption, path: "resampler", "soxr cannot convert \(inputRate) Hz to \(outputRate) Hz (\(String(cString: e))).")
        }
    }

    deinit { if let s = soxr { soxr_delete(s) } }

    /// Feeds `input` and appends every output sample soxr has ready to `output`.
    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        var offset = 0
        let ratio = outputRate / inputRate
        while offset < input.count {
            let n = input.count - offset
            let room = Int(Double(n) * ratio) + 64
            if scratch.count < room { scratch = [Float](repeating: 0, count: room) }
            var idone = 0
            var odone = 0
            scratch.withUnsafeMutableBufferPointer { out in
                _ = soxr_process(soxr, input.baseAddress! + offset, n, &idone, out.baseAddress, room, &odone)
            }
            output.append(contentsOf: scratch[0..<odone])
            offset += idone
            if idone == 0 && odone == 0 { break }
        }
    }

    /// Signals the end of input and appends the remaining output.
    public func flush(into output: inout [Float]) {
        if scratch.count < 4096 { scratch = [Float](repeating: 0, count: 4096) }
        while true {
            var odone = 0
            scratch.withUnsafeMutableBufferPointer { out in
                _ = soxr_process(soxr, nil, 0, nil, out.baseAddress, out.count, &odone)
            }
            if odone == 0 { break }
            output.append(contentsOf: scratch[0..<odone])
        }
    }

    /// The number of output samples librosa keeps for `inputCount` input samples:
    /// `ceil(inputCount * outputRate / inputRate)`, computed in double precision as librosa does.
    public static func outputCount(inputCount: Int, inputRate: Double, outputRate: Double) -> Int {
        Int((Double(inputCount) * (outputRate / inputRate)).rounded(.up))
    }
}
