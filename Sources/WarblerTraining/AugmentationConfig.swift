// The augmentation recipe's settings as one Codable value: each transform's probability and
// ranges, with the defaults documented in docs/training.md. `validate()` rejects a bad value
// with one sentence before any work starts.
import Foundation

/// A closed range [lower, upper] drawn uniformly.
public struct UniformRange: Codable, Sendable, Equatable {
    public var lower: Double
    public var upper: Double
    public init(_ lower: Double, _ upper: Double) {
        self.lower = lower
        self.upper = upper
    }
}

/// Noise kinds: white (flat), pink (-3 dB/octave), brown (-6 dB/octave), field (pink noise plus
/// gusty low-frequency wind, see `ColoredNoise.field`).
public enum NoiseColor: String, Codable, Sendable, CaseIterable { case white, pink, brown, field }

public struct AugmentationConfig: Codable, Sendable, Equatable {
    // Mixing calls (the seed's key idea).
    /// Share of clips with no call at all: background only, every label 0.
    public var noCallShare = 0.2
    /// Most calls (recordings) mixed into one clip.
    public var maxCalls = 3
    /// Probability of adding each further call after the first, up to `maxCalls`.
    public var extraCallProbability = 0.5
    /// Scale each call's crop to a peak of 1 before mixing, so quiet and loud recordings weigh
    /// alike (further calls are then attenuated by `extraCallGainDB`).
    public var peakNormalizeCalls = true
    /// Gain of each further call relative to the first, dB.
    public var extraCallGainDB = UniformRange(-12, 0)
    /// Level of a background-only clip, dB relative to full scale (RMS).
    public var backgroundOnlyLevelDB = UniformRange(-50, -20)
    /// Label value of a recording's secondary labels (its primary label is always 1).
    public var secondaryLabelValue: Float = 1

    // Noise.
    /// Probability of adding noise.
    public var noiseProbability = 0.8
    /// The kinds drawn from (uniformly; list one twice to draw it twice as often).
    public var noiseColors: [NoiseColor] = [.white, .pink, .brown, .field, .field]
    /// Signal-to-noise ratio of the added noise, dB (on RMS above `snrHighPassHz`).
    public var noiseSNRDB = UniformRange(0, 25)
    /// Signal and noise levels for an SNR are measured above this frequency (4th-order
    /// high-pass), where the calls are and the wind is not; nil: over the whole band.
    public var snrHighPassHz: Double? = 1000
    /// Probability of adding a real background recording (when a background folder is given).
    public var backgroundProbability = 0.5
    /// Signal-to-background ratio, dB (on RMS above `snrHighPassHz`).
    public var backgroundSNRDB = UniformRange(0, 20)

    // Pitch and time (applied to each call separately).
    public var pitchShiftProbability = 0.2
    /// Pitch shift, semitones.
    public var pitchShiftSemitones = UniformRange(-2, 2)
    public var timeStretchProbability = 0.2
    /// Output length / input length (above 1 slows down).
    public var timeStretchFactor = UniformRange(0.8, 1.25)
    /// Probability of low-passing a call before it is mixed (noise added later stays full-band),
    /// at a cutoff in `callLowPassCutoffHz`: recordings made at 22.05 or 24 kHz have nothing
    /// above 11-12 kHz, and without this a species recorded only at such rates is told apart by
    /// its empty top band rather than by its song.
    public var callLowPassProbability = 0.3
    public var callLowPassCutoffHz = UniformRange(7000, 12000)
    /// Probability of keeping only a piece of a call's crop (the rest silent, 10-ms fades), so
    /// the model also sees calls much shorter than the clip. Off by default: on birds5 it did
    /// not help (row F1 0.899 / 0.950 with 0.3 against 0.921 / 0.957 without, two splits).
    public var shortCallProbability = 0.0
    /// Length of that piece, seconds (at most the clip).
    public var shortCallSeconds = UniformRange(0.5, 3)

    // Whole-clip transforms.
    public var gainProbability = 0.0
    /// Gain, dB.
    public var gainDB = UniformRange(-6, 6)
    /// The finished clip's level, dB relative to full scale (RMS), drawn uniformly; makes the
    /// model indifferent to recording level (nil: the level the steps before left).
    public var levelDBFS: UniformRange? = UniformRange(-50, -15)
    public var timeShiftProbability = 0.5
    /// Largest circular shift, as a fraction of the clip length (either direction).
    public var timeShiftMaxFraction = 0.5
    public var lowPassProbability = 0.2
    /// Low-pass cutoff, Hz.
    public var lowPassCutoffHz = UniformRange(3000, 12000)

    // Mixup.
    public var mixupProbability = 0.3
    /// Beta(alpha, alpha) draws the mixing weight.
    public var mixupAlpha = 0.4

    // SpecAugment on the log-mel.
    public var specAugmentProbability = 0.5
    public var timeMasks = 2
    /// Widest time mask, frames.
    public var timeMaskMaxFrames = 40
    public var frequencyMasks = 2
    /// Widest frequency mask, mel bins.
    public var frequencyMaskMaxBins = 16

    public init() {}

    /// No augmentation at all: one call per clip, nothing added (validation, tests).
    public static var none: AugmentationConfig {
        var c = AugmentationConfig()
        c.noCallShare = 0; c.maxCalls = 1; c.extraCallProbability = 0
        c.noiseProbability = 0; c.backgroundProbability = 0; c.pitchShiftProbability = 0
        c.timeStretchProbability = 0; c.gainProbability = 0; c.timeShiftProbability = 0; c.shortCallProbability = 0
        c.callLowPassProbability = 0
        c.lowPassProbability = 0; c.mixupProbability = 0; c.specAugmentProbability = 0
        c.peakNormalizeCalls = false; c.levelDBFS = nil
        return c
    }

    /// Throws one sentence naming the first bad setting.
    public func validate(sampleRate: Int = 32_000) throws {
        func fail(_ s: String) -> TrainingDataError { TrainingDataError("augmentation: \(s).") }
        let probabilities: [(String, Double)] = [
            ("noCallShare", noCallShare), ("extraCallProbability", extraCallProbability),
            ("noiseProbability", noiseProbability), ("backgroundProbability", backgroundProbability),
            ("pitchShiftProbability", pitchShiftProbability), ("timeStretchProbability", timeStretchProbability),
            ("shortCallProbability", shortCallProbability), ("callLowPassProbability", callLowPassProbability),
            ("gainProbability", gainProbability), ("timeShiftProbability", timeShiftProbability),
            ("lowPassProbability", lowPassProbability), ("mixupProbability", mixupProbability),
            ("specAugmentProbability", specAugmentProbability),
        ]
        for (name, p) in probabilities where !(p >= 0 && p <= 1) { throw fail("\(name) must be a probability in [0, 1], not \(p)") }
        let ranges: [(String, UniformRange)] =
            [
                ("extraCallGainDB", extraCallGainDB), ("backgroundOnlyLevelDB", backgroundOnlyLevelDB),
                ("noiseSNRDB", noiseSNRDB), ("backgroundSNRDB", backgroundSNRDB),
                ("pitchShiftSemitones", pitchShiftSemitones), ("timeStretchFactor", timeStretchFactor),
                ("shortCallSeconds", shortCallSeconds), ("callLowPassCutoffHz", callLowPassCutoffHz),
                ("gainDB", gainDB), ("lowPassCutoffHz", lowPassCutoffHz),
            ] + (levelDBFS.map { [("levelDBFS", $0)] } ?? [])
        for (name, r) in ranges where !(r.lower.isFinite && r.upper.isFinite && r.lower <= r.upper) {
            throw fail("\(name) needs finite bounds with lower <= upper, not [\(r.lower), \(r.upper)]")
        }
        guard maxCalls >= 1 else { throw fail("maxCalls must be at least 1, not \(maxCalls)") }
        guard secondaryLabelValue >= 0 && secondaryLabelValue <= 1 else { throw fail("secondaryLabelValue must be in [0, 1], not \(secondaryLabelValue)") }
        guard noiseProbability == 0 || !noiseColors.isEmpty else { throw fail("noise is switched on but noiseColors is empty") }
        guard abs(pitchShiftSemitones.lower) <= 12 && abs(pitchShiftSemitones.upper) <= 12 else {
            throw fail("pitch shifts beyond an octave (12 semitones) are not supported")
        }
        guard timeStretchFactor.lower >= 0.25 && timeStretchFactor.upper <= 4 else { throw fail("timeStretchFactor must lie in [0.25, 4]") }
        guard timeShiftMaxFraction >= 0 && timeShiftMaxFraction <= 1 else { throw fail("timeShiftMaxFraction must be in [0, 1], not \(timeShiftMaxFraction)") }
        guard callLowPassCutoffHz.lower > 0 && callLowPassCutoffHz.upper < Double(sampleRate) / 2 else {
            throw fail("callLowPassCutoffHz must lie between 0 Hz and the Nyquist frequency (\(sampleRate / 2) Hz)")
        }
        guard lowPassCutoffHz.lower > 0 && lowPassCutoffHz.upper < Double(sampleRate) / 2 else {
            throw fail("lowPassCutoffHz must lie between 0 Hz and the Nyquist frequency (\(sampleRate / 2) Hz)")
        }
        if let h = snrHighPassHz, !(h > 0 && h < Double(sampleRate) / 2) {
            throw fail("snrHighPassHz must lie between 0 Hz and the Nyquist frequency (\(sampleRate / 2) Hz)")
        }
        guard shortCallSeconds.lower > 0 else { throw fail("shortCallSeconds must be positive") }
        if let l = levelDBFS, l.upper > 0 { throw fail("levelDBFS must not exceed 0 dB (full scale)") }
        guard mixupAlpha > 0 else { throw fail("mixupAlpha must be positive, not \(mixupAlpha)") }
        guard timeMasks >= 0 && frequencyMasks >= 0 && timeMaskMaxFrames >= 0 && frequencyMaskMaxBins >= 0 else {
            throw fail("mask counts and widths must not be negative")
        }
    }
}
