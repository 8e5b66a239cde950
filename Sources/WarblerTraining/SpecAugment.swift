// SpecAugment's time and frequency masks (Park et al. 2019) on a log-mel spectrogram
// ([frames, mels], frame-major, as WarblerFeatures produces it). Each mask's width is uniform in
// [0, max] and its start uniform over the positions where it fits, as torchaudio's
// TimeMasking/FrequencyMasking draw them. Masked cells are set to the spectrogram's mean (taken
// before masking), so a mask neither adds a loud band nor a silent hole in dB terms.
import Foundation
import WarblerAudio
import WarblerFeatures

/// The masks applied to one spectrogram, as half-open ranges.
public struct SpecAugmentMasks: Sendable, Equatable {
    public var frames: [Range<Int>] = []
    public var bins: [Range<Int>] = []
}

public enum SpecAugment {
    /// Draws and applies `timeMasks` masks of up to `maxFrames` frames and `frequencyMasks`
    /// masks of up to `maxBins` bins; returns the masks.
    @discardableResult
    public static func apply(
        to s: inout Spectrogram, timeMasks: Int, maxFrames: Int, frequencyMasks: Int, maxBins: Int,
        rng: inout SplitMix64
    ) -> SpecAugmentMasks {
        guard !s.values.isEmpty else { return SpecAugmentMasks() }
        let value = Float(s.values.reduce(0.0) { $0 + Double($1) } / Double(s.values.count))
        var masks = SpecAugmentMasks()
        func draw(_ maxWidth: Int, _ size: Int) -> Range<Int> {
            let w = rng.nextInt(min(maxWidth, size) + 1)
            let start = rng.nextInt(size - w + 1)
            return start..<(start + w)
        }
        for _ in 0..<timeMasks { masks.frames.append(draw(maxFrames, s.frameCount)) }
        for _ in 0..<frequencyMasks { masks.bins.append(draw(maxBins, s.binCount)) }
        for r in masks.frames {
            for f in r { for b in 0..<s.binCount { s[f, b] = value } }
        }
        for r in masks.bins {
            for f in 0..<s.frameCount { for b in r { s[f, b] = value } }
        }
        return masks
    }
}
