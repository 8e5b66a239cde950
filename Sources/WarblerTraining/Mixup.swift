// Mixup (Zhang et al. 2018): a convex mix of two clips and of their label vectors with a weight
// drawn from Beta(alpha, alpha). Labels become soft: lambda * a + (1 - lambda) * b.
import Foundation
import WarblerAudio

public enum Mixup {
    /// `(lambda * a + (1 - lambda) * b, lambda * labelsA + (1 - lambda) * labelsB)`.
    public static func mixed(
        _ a: [Float], labels labelsA: [Float], with b: [Float], labels labelsB: [Float],
        lambda: Double
    ) -> (samples: [Float], labels: [Float]) {
        precondition(a.count == b.count && labelsA.count == labelsB.count, "Mixup: clip or label lengths differ")
        let l = Float(lambda), m = Float(1 - lambda)
        return (zip(a, b).map { l * $0 + m * $1 }, zip(labelsA, labelsB).map { l * $0 + m * $1 })
    }

    /// A draw from Beta(alpha, alpha), as X / (X + Y) with X, Y ~ Gamma(alpha).
    public static func beta(alpha: Double, rng: inout SplitMix64) -> Double {
        let x = gamma(alpha, rng: &rng), y = gamma(alpha, rng: &rng)
        return x + y > 0 ? x / (x + y) : 0.5
    }

    /// Gamma(shape, 1) by Marsaglia and Tsang (2000); shapes below 1 use
    /// Gamma(shape + 1) * U^(1 / shape).
    static func gamma(_ shape: Double, rng: inout SplitMix64) -> Double {
        if shape < 1 {
            let u = max(rng.nextDouble(), 1e-300)
            return gamma(shape + 1, rng: &rng) * pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = rng.nextGaussian()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = rng.nextDouble()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if log(max(u, 1e-300)) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }
}
