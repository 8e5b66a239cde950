// SyntheticSpectrogram: test inputs: Slaney mel bin centres and a chirp spectrogram in dB.
import Foundation

enum SyntheticSpectrogram {
    /// Centre frequencies (Hz) of `count` Slaney-scale mel bins between `low` and `high`, as
    /// librosa's mel_frequencies(count + 2, fmin: low, fmax: high) without the two edges.
    static func melCentres(count: Int, low: Double, high: Double) -> [Double] {
        func mel(_ hz: Double) -> Double {
            hz < 1000 ? hz * 3 / 200 : 15 + log(hz / 1000) * 27 / log(6.4)
        }
        func hertz(_ mel: Double) -> Double {
            mel < 15 ? mel * 200 / 3 : 1000 * exp((mel - 15) * log(6.4) / 27)
        }
        let lowMel = mel(low), highMel = mel(high)
        return (1...count).map { hertz(lowMel + (highMel - lowMel) * Double($0) / Double(count + 1)) }
    }

    /// A [frames, bins] dB spectrogram: a -75 dB noise floor (deterministic ripple), a rising chirp
    /// from `fromHz` to `toHz` at about 0 dB with a weaker second harmonic, and a -100 dB gap of
    /// silence in the frames `silence`.
    static func chirp(
        frames: Int, binFrequencies: [Double], fromHz: Double = 600, toHz: Double = 7000,
        silence: Range<Int> = 0..<0
    ) -> [Float] {
        let bins = binFrequencies.count
        var values = [Float](repeating: -100, count: frames * bins)
        for frame in 0..<frames where !silence.contains(frame) {
            let progress = Double(frame % max(1, frames / 4)) / Double(max(1, frames / 4))
            let pitch = fromHz * pow(toHz / fromHz, progress)
            for bin in 0..<bins {
                let f = binFrequencies[bin]
                var db = -75 + 4 * sin(Double(frame * 7 + bin * 13) * 0.37)
                let fundamental = log(f / pitch) / 0.06
                let harmonic = log(f / (2 * pitch)) / 0.06
                db = max(db, -2 - 3 * fundamental * fundamental, -20 - 3 * harmonic * harmonic)
                values[frame * bins + bin] = Float(db)
            }
        }
        return values
    }
}
