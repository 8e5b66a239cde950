// A time-frequency matrix: frames x bins, frame-major (each frame's bins contiguous), which is
// the order the model reads ([B, 1, frames, mels]) and the order streaming produces.
import Foundation

public struct Spectrogram: Sendable, Equatable {
    public var frameCount: Int
    public var binCount: Int
    /// [frameCount, binCount] row-major.
    public var values: [Float]

    public init(frameCount: Int, binCount: Int, values: [Float]) {
        precondition(
            values.count == frameCount * binCount,
            "Spectrogram: \(values.count) values do not fill \(frameCount) frames x \(binCount) bins")
        self.frameCount = frameCount
        self.binCount = binCount
        self.values = values
    }

    public init(frameCount: Int, binCount: Int) {
        self.init(frameCount: frameCount, binCount: binCount, values: [Float](repeating: 0, count: frameCount * binCount))
    }

    /// Storage to be filled completely by the caller (skips zeroing large outputs).
    init(uninitializedFrameCount frameCount: Int, binCount: Int) {
        self.frameCount = frameCount
        self.binCount = binCount
        values = [Float](unsafeUninitializedCapacity: frameCount * binCount) { _, n in n = frameCount * binCount }
    }

    /// Makes this `frameCount` x `binCount`, keeping the storage's capacity (for streams that
    /// refill one spectrogram); the values are to be overwritten by the caller.
    public mutating func resize(frameCount: Int, binCount: Int) {
        let count = frameCount * binCount
        if count > values.capacity {
            // Nothing needs keeping: new storage, left uninitialised (the caller's workers fault
            // its pages in as they write, instead of one thread zeroing them first), with room to
            // spare so that a stream's chunks, which vary by a frame or so, fit from then on.
            values = [Float](unsafeUninitializedCapacity: count + count / 8) { _, n in n = count }
        } else if values.count > count {
            values.removeLast(values.count - count)
        } else if values.count < count {
            values.append(contentsOf: repeatElement(0, count: count - values.count))
        }
        self.frameCount = frameCount
        self.binCount = binCount
    }

    public subscript(frame: Int, bin: Int) -> Float {
        get { values[frame * binCount + bin] }
        set { values[frame * binCount + bin] = newValue }
    }

    /// The values bins-major, [binCount, frameCount]: librosa's orientation.
    public func binMajor() -> [Float] {
        var out = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for f in 0..<frameCount {
                    for b in 0..<binCount { dst[b * frameCount + f] = src[f * binCount + b] }
                }
            }
        }
        return out
    }
}
