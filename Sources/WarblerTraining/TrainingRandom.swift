// Seed derivation for the data pipeline: every random choice is drawn from a generator seeded by
// (run seed, epoch, item index, purpose), so a batch's content never depends on thread timing,
// on how many items were drawn before it, or on which other augmentations are switched on.
import WarblerAudio

/// What a derived generator is used for; each purpose draws from its own stream.
public enum RandomPurpose: UInt64, Sendable {
    case split = 1, epochOrder, choice, crop, extraCalls, noise, background, pitch, stretch,
         gain, shift, lowPass, mixup, specAugment
}

public enum TrainingRandom {
    /// SplitMix64's finaliser: a bijective 64-bit mix.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
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
