// Backgrounds for synthetic recordings: brown (wind-like) and pink-ish noise, slow gusts, and a
// faint hiss, at a level drawn per recording.
import Foundation
import WarblerAudio

public enum SyntheticBackground {
    /// `count` samples of background at overall RMS near `level`.
    public static func generate(count: Int, sampleRate: Int, level: Double, rng: inout SplitMix64) -> [Float] {
        var y = [Float](repeating: 0, count: count)
        var brown = 0.0, pink0 = 0.0, pink1 = 0.0
        let gustRate = 0.1 + 0.3 * rng.nextDouble()
        let gustPhase = 2 * .pi * rng.nextDouble()
        let brownShare = 0.4 + 0.5 * rng.nextDouble()
        var sumSquares = 0.0
        for i in 0..<count {
            let w = rng.nextGaussian()
            brown = 0.997 * brown + 0.03 * w
            // Two leaky integrators give a rough 1/f slope between white and brown.
            pink0 = 0.97 * pink0 + 0.2 * w
            pink1 = 0.6 * pink1 + 0.4 * w
            let gust = 0.7 + 0.3 * sin(2 * .pi * gustRate * Double(i) / Double(sampleRate) + gustPhase)
            let v = gust * (brownShare * brown + (1 - brownShare) * 0.5 * (pink0 + pink1)) + 0.05 * w
            y[i] = Float(v)
            sumSquares += v * v
        }
        let rms = (sumSquares / Double(max(count, 1))).squareRoot()
        let scale = Float(level / max(rms, 1e-12))
        for i in 0..<count { y[i] *= scale }
        return y
    }
}
