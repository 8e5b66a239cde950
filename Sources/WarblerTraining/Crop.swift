// Fixed-length crops from cached audio. A recording at least as long as the crop gives a window
// at a uniformly random offset; a shorter one is either zero-padded at a random position (the
// default: no artificial repeats of a call) or looped from a random phase.
import Foundation
import WarblerAudio

/// What to do with a recording shorter than the crop.
public enum ShortClipPolicy: String, Codable, Sendable, CaseIterable {
    /// Place the whole recording at a uniformly random offset inside the crop, zeros around it.
    case pad
    /// Repeat the recording end to end, starting at a uniformly random sample of it.
    case loop
}

/// How training crops are drawn.
public struct CropConfig: Codable, Sendable, Equatable {
    /// Crop length, seconds.
    public var seconds = 5.0
    public var shortClips: ShortClipPolicy = .pad
    /// Draw each clip's first call by class (class uniform, then file uniform within it) instead
    /// of going through every training file once per epoch in a shuffled order.
    public var classBalanced = false

    public init(seconds: Double = 5.0, shortClips: ShortClipPolicy = .pad, classBalanced: Bool = false) {
        self.seconds = seconds
        self.shortClips = shortClips
        self.classBalanced = classBalanced
    }

    /// Crop length in samples at `sampleRate`.
    public func length(sampleRate: Int) -> Int { Int((seconds * Double(sampleRate)).rounded()) }

    public func validate() throws {
        guard seconds > 0, seconds.isFinite else { throw TrainingDataError("the crop length must be positive, not \(seconds) s.") }
    }
}

public enum Crop {
    /// `length` samples of `audio` from a random offset (see `ShortClipPolicy` for short files).
    public static func random(from audio: CachedAudio, length: Int, policy: ShortClipPolicy, rng: inout SplitMix64) -> [Float] {
        let n = audio.count
        if n >= length { return window(from: audio, start: rng.nextInt(n - length + 1), length: length) }
        var out = [Float](repeating: 0, count: length)
        out.withUnsafeMutableBufferPointer { o in
            switch policy {
            case .pad:
                audio.copy(from: 0, count: n, into: o.baseAddress! + rng.nextInt(length - n + 1))
            case .loop:
                var src = rng.nextInt(n), dst = 0
                while dst < length {
                    let m = min(n - src, length - dst)
                    audio.copy(from: src, count: m, into: o.baseAddress! + dst)
                    dst += m
                    src = 0
                }
            }
        }
        return out
    }

    /// `length` samples starting at `start`, zeros past the end of the recording.
    public static func window(from audio: CachedAudio, start: Int, length: Int) -> [Float] {
        var out = [Float](repeating: 0, count: length)
        let m = max(0, min(length, audio.count - start))
        if m > 0 { out.withUnsafeMutableBufferPointer { audio.copy(from: start, count: m, into: $0.baseAddress!) } }
        return out
    }
}
