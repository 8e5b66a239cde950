// The GPU stream behind the same interface as the CPU's LogMelStream.
import WarblerFeatures

extension CUDALogMelStream: MelStream {
    public func append(_ samples: UnsafeBufferPointer<Float>, into out: inout Spectrogram) throws {
        out = try append(Array(samples))
    }

    public func finish(into out: inout Spectrogram) throws {
        out = try finish()
    }
}
