// The input half of a model's contract: how audio becomes what the model was trained on (the
// front-end, with its sample rate; the scaling of the log-mel values; the window length). Training
// writes it into every checkpoint's metadata (key "input"); detection and prediction read it
// from there, so they cannot drift from training's settings. A checkpoint without it (written
// before the contract existed) gets `ModelInput.legacy`: the default front-end, unscaled dB
// values and 5-s windows, which is what those checkpoints were trained with.
import Foundation

/// An affine map applied to every log-mel value before the model sees it:
/// `x' = (x + offset) * scale`.
public struct InputNormalization: Codable, Sendable, Equatable {
    /// Added first (dB).
    public var offset: Float
    /// Then multiplied.
    public var scale: Float

    public init(offset: Float, scale: Float) {
        self.offset = offset
        self.scale = scale
    }

    /// Values as they are.
    public static let identity = InputNormalization(offset: 0, scale: 1)
    /// (dB + 40) / 20: typical field log-mels (-100 ... +20 dB) land around -3 ... +3.
    public static let decibelsAround40 = InputNormalization(offset: 40, scale: 1.0 / 20)

    public var isIdentity: Bool { offset == 0 && scale == 1 }

    /// Applies the map to `values` in place.
    public func apply(to values: inout [Float]) {
        guard !isIdentity else { return }
        let (o, s) = (offset, scale)
        values.withUnsafeMutableBufferPointer { v in
            for i in v.indices { v[i] = (v[i] + o) * s }
        }
    }

    /// Applies the map to a spectrogram's values in place.
    public func apply(to s: inout Spectrogram) { apply(to: &s.values) }

    public func validate() throws {
        guard offset.isFinite, scale.isFinite, scale != 0 else {
            throw ModelInputError("the input normalization needs a finite offset and a finite, non-zero scale, not (\(offset), \(scale))")
        }
    }
}

/// How audio becomes one model input.
public struct ModelInput: Codable, Sendable, Equatable {
    /// The log-mel front-end, including the sample rate every recording is resampled to.
    public var frontEnd: FrontEndConfig
    /// Applied to the log-mel values after the front-end.
    public var normalization: InputNormalization
    /// The length of one model input (training crop, detection window), seconds.
    public var windowSeconds: Double

    public init(
        frontEnd: FrontEndConfig = FrontEndConfig(), normalization: InputNormalization = .decibelsAround40,
        windowSeconds: Double = 5
    ) {
        self.frontEnd = frontEnd
        self.normalization = normalization
        self.windowSeconds = windowSeconds
    }

    /// What a checkpoint without a contract was trained with: the default front-end, unscaled
    /// dB values, 5-s windows.
    public static let legacy = ModelInput(frontEnd: FrontEndConfig(), normalization: .identity, windowSeconds: 5)

    /// The metadata key the contract is stored under.
    public static let metadataKey = "input"

    /// Sample rate of the audio the model expects, Hz.
    public var sampleRate: Int { frontEnd.sampleRate }

    /// Checks the contract, including bounds on every size (a contract read from a file is not
    /// trusted: an n-fft of 10^9 would ask for gigabytes before anything else failed).
    public func validate() throws {
        do { try frontEnd.validate() } catch { throw ModelInputError("the front-end: \(error)") }
        try normalization.validate()
        let f = frontEnd
        guard f.sampleRate <= 768_000, f.nFFT <= 1 << 16, f.hopLength <= f.nFFT * 4, f.nMels <= 2048 else {
            throw ModelInputError(
                "the front-end's sizes are out of range (sample rate \(f.sampleRate) Hz, n-fft \(f.nFFT), hop \(f.hopLength), \(f.nMels) mels)")
        }
        guard windowSeconds.isFinite, windowSeconds > 0, windowSeconds <= 600 else {
            throw ModelInputError("the window must be a positive length of at most 10 minutes, not \(windowSeconds) s")
        }
    }

    /// The contract as JSON, for a checkpoint's metadata.
    public func json() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(self), as: UTF8.self)
    }

    /// The contract in checkpoint metadata: `legacy` when the key is absent; an error naming
    /// `source` when it is there but unreadable or invalid.
    public static func from(metadata: [String: String], source: String) throws -> ModelInput {
        guard let json = metadata[metadataKey] else { return .legacy }
        let input: ModelInput
        do {
            input = try JSONDecoder().decode(ModelInput.self, from: Data(json.utf8))
        } catch {
            throw ModelInputError("\(source): its input contract (metadata \"input\") is not readable")
        }
        do { try input.validate() } catch {
            throw ModelInputError("\(source): its input contract is invalid: \(error)")
        }
        return input
    }
}

/// A model input contract that cannot be used, in one sentence.
public struct ModelInputError: Error, CustomStringConvertible, LocalizedError, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}
