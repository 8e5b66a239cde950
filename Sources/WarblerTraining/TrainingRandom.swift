// Seed derivation for the data pipeline: every random choice is drawn from a generator seeded by
// (run seed, epoch, item index, purpose), so a batch's content never depends on thread timing,
// on how many items were drawn before it, or on which other augmentations are switched on.
import WarblerAudio

/// What a derived generator is used for; each purpose draws from its own stream.
public enum RandomPurpose: UInt64, Sendable {
    case split = 1, epochOrder, choice, crop, extraCalls, noise, background, pitch, stretch,
        gain, shift, lowPass, mixup, specAugment, level, validation, shortCall, callLowPass
}

public enum TrainingRandom {
    /// A bijective 64-bit mix: SplitMix64's first output for seed `x`.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var g = SplitMix64(seed: x)
        return g.next()
    }

    /// A generator for `purpose` of item `index` in `epoch` of the run seeded `seed`.
    public static func generator(seed: UInt64, epoch: Int = 0, index: Int = 0, purpose: RandomPurpose, salt: Int = 0) -> SplitMix64 {
        var h = mix(seed)
        h = mix(h ^ UInt64(bitPattern: Int64(epoch)))
        h = mix(h ^ UInt64(bitPattern: Int64(index)))
        h = mix(h ^ purpose.rawValue)
        h = mix(h ^ UInt64(bitPattern: Int64(salt)))
        return SplitMix64(seed: h)
    }
}

extension SplitMix64 {
    /// Uniform in [lower, upper].
    mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * nextDouble()
    }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { p > 0 && nextDouble() < p }
}
