// Each waveform and spectrogram transform of the augmentation recipe, tested for its defining
// property: SNR, pitch ratio, stretch ratio, low-pass attenuation, mask ranges, mixup weights.
import Foundation
import WarblerAudio
import WarblerFeatures
import XCTest
@testable import WarblerTraining

final class TransformTests: XCTestCase {
    func testNoiseIsAddedAtTheAskedSNR() {
        var rng = SplitMix64(seed: 3)
        let signal = Signals.tone(1500, count: 32_000, amplitude: 0.2)
        for color in NoiseColor.allCases {
            for snr in [-5.0, 0, 12.5, 30] {
                let noise = ColoredNoise.generate(color, count: signal.count, rng: &rng)
                let mixed = Waveform.mixed(signal, with: noise, snrDB: snr)
                let added = zip(mixed, signal).map { $0 - $1 }
                let measured = 20 * log10(Waveform.rms(signal) / Waveform.rms(added))
                XCTAssertEqual(measured, snr, accuracy: 0.1, "\(color) at \(snr) dB")
            }
        }
    }

    /// Mean power in [lo, hi) Hz of `x` (FFT through the front-end's spectrum stage).
    private func bandPower(_ x: [Float], _ lo: Double, _ hi: Double) throws -> Double {
        var c = FrontEndConfig()
        c.nFFT = 4096
        c.hopLength = 2048
        c.center = false
        let s = try FrontEnd(config: c, threads: 1).spectrum(x)
        let b0 = Int(lo / 32_000 * 4096), b1 = Int(hi / 32_000 * 4096)
        var total = 0.0
        for f in 0..<s.frameCount { for b in b0..<b1 { total += Double(s[f, b]) } }
        return total / Double((b1 - b0) * s.frameCount)
    }

    func testNoiseColoursHaveTheirSlopes() throws {
        // Power per octave band: white rises 3 dB/octave... per Hz: white flat, pink -3 dB/oct, brown -6 dB/oct.
        var rng = SplitMix64(seed: 11)
        for (color, slope) in [(NoiseColor.white, 0.0), (.pink, -3.0), (.brown, -6.0)] {
            let x = ColoredNoise.generate(color, count: 320_000, rng: &rng)
            let low = try bandPower(x, 500, 1000), high = try bandPower(x, 4000, 8000)
            // Bands centred ~707 Hz and ~5657 Hz: 3 octaves apart.
            let perOctave = 10 * log10(high / low) / 3
            XCTAssertEqual(perOctave, slope, accuracy: 0.6, "\(color)")
        }
    }

    func testPitchShiftMovesAToneByTheSemitoneRatio() throws {
        let x = Signals.tone(2000, count: 64_000)
        for semitones in [-2.0, 1.0, 3.0] {
            let y = try PitchShift.shifted(x, semitones: semitones, sampleRate: 32_000)
            XCTAssertEqual(y.count, x.count)
            let f = try Signals.peakFrequency(y)
            XCTAssertEqual(f / 2000, pow(2, semitones / 12), accuracy: 0.003, "\(semitones) semitones gave \(f) Hz")
        }
        XCTAssertEqual(try PitchShift.shifted(x, semitones: 0, sampleRate: 32_000), x)
    }

    func testTimeStretchChangesLengthNotPitch() throws {
        let x = Signals.tone(3000, count: 48_000)
        for factor in [0.8, 1.0, 1.25, 1.5] {
            let y = TimeStretch.stretched(x, factor: factor)
            XCTAssertEqual(y.count, Int((48_000 * factor).rounded()))
            XCTAssertEqual(try Signals.peakFrequency(y), 3000, accuracy: 6, "factor \(factor)")
            // WSOLA keeps the tone's level (no cancellation between frames) away from the ends.
            let mid = Array(y[(y.count / 4)..<(3 * y.count / 4)])
            XCTAssertEqual(Waveform.rms(mid), 0.5 / 2.0.squareRoot(), accuracy: 0.03, "factor \(factor)")
        }
    }

    func testLowPassAttenuatesAboveTheCutoff() {
        let cutoff = 4000.0
        let pass = Signals.tone(1000, count: 16_000), atCutoff = Signals.tone(cutoff, count: 16_000)
        let stop = Signals.tone(8000, count: 16_000)
        XCTAssertEqual(Signals.gainDB(pass, LowPass.filtered(pass, cutoff: cutoff, sampleRate: 32_000)), 0, accuracy: 0.2)
        XCTAssertEqual(Signals.gainDB(atCutoff, LowPass.filtered(atCutoff, cutoff: cutoff, sampleRate: 32_000)), -6, accuracy: 0.3)
        XCTAssertLessThan(Signals.gainDB(stop, LowPass.filtered(stop, cutoff: cutoff, sampleRate: 32_000)), -24)
    }

    func testGainAndRoll() {
        let x: [Float] = [1, 2, 3, 4, 5]
        XCTAssertEqual(Waveform.rolled(x, by: 2), [4, 5, 1, 2, 3])
        XCTAssertEqual(Waveform.rolled(x, by: -1), [2, 3, 4, 5, 1])
        XCTAssertEqual(Waveform.rolled(x, by: 5), x)
        let g = Waveform.gained(x, dB: -6)
        XCTAssertEqual(Double(g[4] / x[4]), pow(10, -6.0 / 20), accuracy: 1e-6)
        XCTAssertEqual(Waveform.rms(Waveform.scaled(x, toRMS: 0.1)), 0.1, accuracy: 1e-6)
    }

    func testSpecAugmentMasksHitTheAskedRanges() {
        var s = Spectrogram(frameCount: 200, binCount: 64, values: (0..<(200 * 64)).map { Float($0 % 97) - 80 })
        let original = s
        let mean = Float(original.values.reduce(0.0) { $0 + Double($1) } / Double(original.values.count))
        var rng = SplitMix64(seed: 5)
        var widths: [Int] = []
        for _ in 0..<20 {
            s = original
            let m = SpecAugment.apply(to: &s, timeMasks: 2, maxFrames: 30, frequencyMasks: 3, maxBins: 10, rng: &rng)
            XCTAssertEqual(m.frames.count, 2)
            XCTAssertEqual(m.bins.count, 3)
            XCTAssertTrue(m.frames.allSatisfy { $0.count <= 30 && $0.lowerBound >= 0 && $0.upperBound <= 200 })
            XCTAssertTrue(m.bins.allSatisfy { $0.count <= 10 && $0.lowerBound >= 0 && $0.upperBound <= 64 })
            widths += m.frames.map(\.count)
            for f in 0..<200 {
                for b in 0..<64 {
                    let masked = m.frames.contains { $0.contains(f) } || m.bins.contains { $0.contains(b) }
                    XCTAssertEqual(s[f, b], masked ? mean : original[f, b])
                }
            }
        }
        // Widths spread over [0, 30].
        XCTAssertGreaterThan(widths.max()!, 20)
        XCTAssertLessThan(widths.min()!, 10)
    }

    func testMixupMixesAudioAndLabelsByLambda() {
        let a: [Float] = [1, 1, 1], b: [Float] = [0, 2, 4]
        let m = Mixup.mixed(a, labels: [1, 0, 0], with: b, labels: [0, 1, 1], lambda: 0.25)
        XCTAssertEqual(m.samples, [0.25, 1.75, 3.25])
        XCTAssertEqual(m.labels, [0.25, 0.75, 0.75])
        // Beta(alpha, alpha): mean 1/2, variance 1 / (4 (2 alpha + 1)).
        var rng = SplitMix64(seed: 1)
        let draws = (0..<20_000).map { _ in Mixup.beta(alpha: 0.4, rng: &rng) }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws.count)
        XCTAssertEqual(mean, 0.5, accuracy: 0.01)
        XCTAssertEqual(variance, 1 / (4 * 1.8), accuracy: 0.01)
        XCTAssertTrue(draws.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    func testConfigValidationNamesTheSetting() throws {
        try AugmentationConfig().validate()
        var c = AugmentationConfig()
        c.noiseProbability = 1.5
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("noiseProbability")) }
        c = AugmentationConfig()
        c.lowPassCutoffHz = UniformRange(1000, 20_000)
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("lowPassCutoffHz")) }
        c = AugmentationConfig()
        c.gainDB = UniformRange(6, -6)
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("gainDB")) }
        // Codable round trip.
        let data = try JSONEncoder().encode(AugmentationConfig())
        XCTAssertEqual(try JSONDecoder().decode(AugmentationConfig.self, from: data), AugmentationConfig())
    }
}
