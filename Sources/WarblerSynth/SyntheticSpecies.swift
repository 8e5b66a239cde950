// Parametric "species" for tests and demos: each has a call type (down- or up-sweeping chirp,
// trill, harmonic stack, buzz, warble), its own frequency band, call length and phrase rhythm,
// drawn once from the species seed; every call it makes varies around those (individual
// variation). The species are synthetic and say so in their names (`syn01`...); real users
// bring their own recordings.
import Foundation
import WarblerAudio

public enum CallType: String, Codable, Sendable, CaseIterable {
    case downChirp, upChirp, trill, harmonicStack, buzz, warble
}

public struct SpeciesSpec: Codable, Sendable, Equatable {
    public var label: String
    public var callType: CallType
    /// The call's centre frequency range, Hz (each call draws its own centre from it).
    public var lowHz: Double, highHz: Double
    /// Frequency excursion of one call, Hz (sweep width, trill depth).
    public var sweepHz: Double
    /// Length of one call, seconds.
    public var callSeconds: Double
    /// Calls per phrase, and the gap between calls, seconds.
    public var callsPerPhrase: ClosedRange<Int>
    public var gapSeconds: Double
    /// Relative amplitudes of the harmonics (first = fundamental).
    public var harmonics: [Double]
    /// Amplitude-pulse rate for trills and buzzes, Hz (0: none).
    public var pulseHz: Double

    /// `count` distinct species from `seed`: call types cycle so that neighbours differ, and
    /// centre frequencies are spread over 1.5-10 kHz so each has a band of its own.
    public static func catalogue(count: Int, seed: UInt64 = 1) -> [SpeciesSpec] {
        var rng = SplitMix64(seed: seed &* 0x9E37_79B9 &+ 17)
        let types = CallType.allCases
        return (0..<count).map { i in
            let type = types[i % types.count]
            // Log-spaced band centres, jittered a little.
            let position = count > 1 ? Double(i) / Double(count - 1) : 0.5
            let centre = 1500 * pow(10_000 / 1500, position) * (0.95 + 0.1 * rng.nextDouble())
            let width = centre * (0.06 + 0.04 * rng.nextDouble())
            let harmonics: [Double]
            switch type {
            case .harmonicStack, .buzz: harmonics = [1, 0.7, 0.5, 0.35, 0.2]
            case .warble: harmonics = [1, 0.25]
            default: harmonics = [1, 0.3, 0.08]
            }
            let low = min(3, 1 + rng.nextInt(3))
            return SpeciesSpec(
                label: String(format: "syn%02d", i + 1), callType: type,
                lowHz: centre - width, highHz: centre + width,
                sweepHz: centre * (0.15 + 0.25 * rng.nextDouble()),
                callSeconds: 0.08 + 0.3 * rng.nextDouble(),
                callsPerPhrase: low...(low + 1 + rng.nextInt(3)),
                gapSeconds: 0.05 + 0.2 * rng.nextDouble(),
                harmonics: harmonics,
                pulseHz: type == .trill ? 18 + 20 * rng.nextDouble() : (type == .buzz ? 60 + 60 * rng.nextDouble() : 0))
        }
    }

    /// Adds one phrase of this species to `y` (at `sampleRate`) starting at `start` seconds with
    /// peak amplitude `amplitude`; returns the phrase's end time, seconds.
    @discardableResult
    public func addPhrase(
        to y: inout [Float], sampleRate: Int, start: Double, amplitude: Double,
        rng: inout SplitMix64
    ) -> Double {
        let calls = callsPerPhrase.lowerBound + rng.nextInt(callsPerPhrase.count)
        var t = start
        // Individual variation: this phrase's centre, length and tempo.
        let centre = lowHz + (highHz - lowHz) * rng.nextDouble()
        let length = callSeconds * (0.85 + 0.3 * rng.nextDouble())
        let gap = gapSeconds * (0.8 + 0.4 * rng.nextDouble())
        for _ in 0..<calls {
            addCall(to: &y, sampleRate: sampleRate, start: t, duration: length, centre: centre, amplitude: amplitude)
            t += length + gap
        }
        return t - gap
    }

    /// One call: a tone following this species' frequency contour around `centre`, with its
    /// harmonics, a raised-sine envelope and, for trills and buzzes, amplitude pulses.
    func addCall(to y: inout [Float], sampleRate: Int, start: Double, duration: Double, centre: Double, amplitude: Double) {
        let sr = Double(sampleRate)
        let i0 = max(0, Int(start * sr)), i1 = min(y.count, Int((start + duration) * sr))
        guard i0 < i1 else { return }
        var phase = 0.0
        let sweep = sweepHz
        for i in i0..<i1 {
            let tau = Double(i) / sr - start
            let u = tau / duration
            let f: Double
            switch callType {
            case .downChirp: f = centre + sweep * (0.5 - u)
            case .upChirp: f = centre + sweep * (u - 0.5)
            case .trill: f = centre + 0.25 * sweep * sin(2 * .pi * pulseHz * tau)
            case .harmonicStack: f = centre * (1 + 0.03 * sin(.pi * u))
            case .buzz: f = centre + 0.1 * sweep * u
            case .warble: f = centre + 0.5 * sweep * sin(2 * .pi * 9 * tau) * sin(.pi * u)
            }
            phase += 2 * .pi * f / sr
            var v = 0.0
            for (h, a) in harmonics.enumerated() where Double(h + 1) * f < sr / 2 { v += a * sin(Double(h + 1) * phase) }
            var envelope = pow(sin(.pi * u), 2)
            if pulseHz > 0 && callType != .trill { envelope *= 0.55 + 0.45 * sin(2 * .pi * pulseHz * tau) }
            if callType == .trill { envelope *= 0.5 + 0.5 * sin(2 * .pi * pulseHz * tau) }
            y[i] += Float(amplitude * envelope * v)
        }
    }
}
