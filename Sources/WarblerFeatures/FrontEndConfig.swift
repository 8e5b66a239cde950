// The front-end's parameters as one Codable value, with the seed's defaults and validation.
import Foundation

/// Window functions, periodic ("fftbins=True" in scipy/librosa terms) as spectral analysis uses.
public enum WindowKind: String, Codable, Sendable, CaseIterable {
    case hann, hamming, blackman, rectangular
}

/// How `center = true` pads the signal's ends by nFFT/2 samples.
public enum PadMode: String, Codable, Sendable, CaseIterable {
    /// Mirror without repeating the edge sample (numpy `reflect`); torchlibrosa's and
    /// torch.stft's default, and so what the seed's model saw in training.
    case reflect
    /// Zeros (numpy `constant`); librosa >= 0.10's default.
    case constant
}

/// Hz-to-mel mapping.
public enum MelScale: String, Codable, Sendable, CaseIterable {
    /// Slaney's Auditory Toolbox scale: linear below 1 kHz, logarithmic above (librosa default).
    case slaney
    /// HTK's `2595 * log10(1 + f / 700)` (torchaudio's default).
    case htk
}

/// Filter normalisation.
public enum MelNorm: String, Codable, Sendable, CaseIterable {
    /// Divide each triangle by its width in Hz so each has unit area (librosa's `norm="slaney"`).
    case slaney
    /// Peak-1 triangles (torchaudio's default, librosa's `norm=None`).
    case none
}

/// The log-mel front-end. Defaults are the seed's (torchlibrosa + PANNs settings):
/// 32 kHz, 1024-point FFT, hop 320, Hann, centred with reflect padding, power 2, 128 Slaney mels
/// from 50 to 14000 Hz with Slaney normalisation, dB with ref 1, amin 1e-10 and no top_db.
public struct FrontEndConfig: Codable, Sendable, Equatable {
    /// Sample rate of the input audio, Hz.
    public var sampleRate: Int = 32_000
    /// FFT length, samples.
    public var nFFT: Int = 1024
    /// Hop between frames, samples (10 ms at 32 kHz).
    public var hopLength: Int = 320
    /// Window length, samples; `nil` means nFFT. Shorter windows are zero-padded to nFFT
    /// centred, as librosa does.
    public var winLength: Int? = nil
    public var window: WindowKind = .hann
    /// Centre frames on their time stamps by padding nFFT/2 samples at both ends.
    public var center: Bool = true
    public var padMode: PadMode = .reflect
    /// Exponent of the magnitude: 2 gives power, 1 magnitude.
    public var power: Float = 2
    public var nMels: Int = 128
    /// Lowest mel band edge, Hz.
    public var fMin: Double = 50
    /// Highest mel band edge, Hz; `nil` means sampleRate / 2.
    public var fMax: Double? = 14_000
    public var melScale: MelScale = .slaney
    public var melNorm: MelNorm = .slaney
    /// Convert to decibels with `power_to_db` (10 log10); false leaves linear mel values.
    public var decibels: Bool = true
    /// `power_to_db`'s reference: dB = 10 log10(max(amin, S)) - 10 log10(max(amin, ref)).
    public var ref: Float = 1
    /// `power_to_db`'s floor on S and ref.
    public var amin: Float = 1e-10
    /// If set, values below (max - topDB) are raised to it, the max taken over the whole
    /// spectrogram as librosa does. The seed uses none.
    public var topDB: Float? = nil

    public init() {}

    public var effectiveWinLength: Int { winLength ?? nFFT }
    public var effectiveFMax: Double { fMax ?? Double(sampleRate) / 2 }
    /// Frequency bins of the one-sided spectrum, nFFT/2 + 1.
    public var binCount: Int { nFFT / 2 + 1 }

    /// Rejects nonsensical settings with one sentence naming the option.
    public func validate() throws {
        func fail(_ option: String, _ why: String) -> FrontEndError { FrontEndError(option: option, reason: why) }
        // Upper bounds keep memory sane whatever is asked (a 2^30-point FFT or a million mel
        // bands would take gigabytes); they are far above any useful setting.
        guard Self.sampleRateRange.contains(sampleRate) else {
            throw fail("sample-rate", "must be \(Self.sampleRateRange.lowerBound) to \(Self.sampleRateRange.upperBound) Hz, not \(sampleRate)")
        }
        guard nFFT >= 2, nFFT <= Self.maxFFT else { throw fail("n-fft", "must be 2 to \(Self.maxFFT), not \(nFFT)") }
        guard hopLength > 0, hopLength <= Self.maxHop else { throw fail("hop-length", "must be 1 to \(Self.maxHop), not \(hopLength)") }
        if let w = winLength, w <= 0 || w > nFFT {
            throw fail("win-length", "must be between 1 and n-fft (\(nFFT)), not \(w)")
        }
        guard power > 0, power.isFinite else { throw fail("power", "must be positive, not \(power)") }
        guard nMels > 0, nMels <= Self.maxMels else { throw fail("n-mels", "must be 1 to \(Self.maxMels), not \(nMels)") }
        let nyquist = Double(sampleRate) / 2
        guard fMin >= 0, fMin.isFinite else { throw fail("fmin", "must be 0 Hz or more, not \(fMin) Hz") }
        if let f = fMax {
            guard f.isFinite, f <= nyquist else {
                throw fail("fmax", "\(Self.hz(f)) is above the Nyquist frequency \(Self.hz(nyquist)) of \(sampleRate) Hz audio")
            }
        }
        guard effectiveFMax > fMin else {
            throw fail("fmin", "\(Self.hz(fMin)) must be below fmax (\(Self.hz(effectiveFMax)))")
        }
        guard amin >= Float.leastNormalMagnitude else { throw fail("amin", "must be at least \(Float.leastNormalMagnitude), not \(amin)") }
        guard ref > 0, ref.isFinite else { throw fail("ref", "must be positive, not \(ref)") }
        if let t = topDB, !(t >= 0) { throw fail("top-db", "must be non-negative, not \(t)") }
    }

    /// Sample rates the front-end accepts, Hz (the range WarblerAudio decodes).
    public static let sampleRateRange = 1_000...768_000
    /// The longest FFT, samples.
    public static let maxFFT = 65_536
    /// The longest hop, samples (ModelInput's checkpoint bound: four of the longest FFT).
    public static let maxHop = 4 * 65_536
    /// The most mel bands (ModelInput's checkpoint bound too).
    public static let maxMels = 2_048

    static func hz(_ f: Double) -> String {
        // Int(f) only where it cannot trap (--fmax 1e30 once did).
        f.isFinite && abs(f) < 1e15 && f == f.rounded() ? "\(Int(f)) Hz" : "\(f) Hz"
    }
}

/// A rejected front-end option.
public struct FrontEndError: Error, CustomStringConvertible, LocalizedError, Sendable {
    public let option: String
    public let reason: String
    public var description: String { "--\(option): \(reason)." }
    public var errorDescription: String? { description }
}
