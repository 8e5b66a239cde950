// Shared helpers of the training-data tests: scratch folders, a tiny synthetic BirdCLEF-layout
// set (3 species x 4 clips of 2 s, WAV), pure tones, and an FFT-based frequency estimate.
import Foundation
import WarblerAudio
import WarblerFeatures
import WarblerSynth
import XCTest
@testable import WarblerTraining

enum Scratch {
    /// A fresh, empty folder under the temporary directory.
    static func folder(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "warbler-training-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

enum TinyDataset {
    /// Writes 3 species x 4 two-second WAV clips (some with a secondary species) to `dir`.
    static func write(to dir: String, species: Int = 3, clips: Int = 4) throws {
        var c = SyntheticDatasetConfig()
        c.species = species
        c.clipsPerSpecies = clips
        c.seconds = 2
        c.format = "wav"
        c.secondaryShare = 0.5
        try SyntheticDataset.write(to: dir, config: c)
    }

    /// The tiny set loaded through a cache and split 25 % for validation.
    static func prepared(_ name: String, background: Bool = false) throws -> PreparedData {
        let dir = try Scratch.folder(name)
        try write(to: dir)
        let manifest = try Manifest.birdCLEF(csv: dir + "/train.csv", audioRoot: dir + "/train_audio")
        var folder: String? = nil
        if background {
            folder = dir + "/background"
            try FileManager.default.createDirectory(atPath: folder!, withIntermediateDirectories: true)
            var rng = SplitMix64(seed: 9)
            try AudioWriter.write(
                ColoredNoise.generate(.pink, count: 48_000, rng: &rng).map { $0 * 0.05 }, sampleRate: 32_000,
                to: folder! + "/wind.wav")
        }
        return try PreparedData.prepare(
            manifest: manifest, cache: AudioCache(directory: dir + "/cache"),
            validationFraction: 0.25, seed: 1, backgroundFolder: folder)
    }
}

enum Signals {
    /// A sine of `hz` Hz, amplitude `amplitude`, `count` samples at `rate` Hz.
    static func tone(_ hz: Double, count: Int, rate: Int = 32_000, amplitude: Float = 0.5) -> [Float] {
        (0..<count).map { amplitude * Float(sin(2 * Double.pi * hz * Double($0) / Double(rate))) }
    }

    /// The frequency of the strongest spectral peak, Hz: power spectra (FFTW through
    /// WarblerFeatures, 16384-point Hann frames) averaged over frames, then a parabolic fit on
    /// the log power around the peak bin.
    static func peakFrequency(_ x: [Float], rate: Int = 32_000) throws -> Double {
        var c = FrontEndConfig()
        c.sampleRate = rate
        c.nFFT = 16_384
        c.hopLength = 4096
        c.center = false
        c.nMels = 8
        let s = try FrontEnd(config: c, threads: 1).spectrum(x)
        var mean = [Double](repeating: 0, count: s.binCount)
        for f in 0..<s.frameCount { for b in 0..<s.binCount { mean[b] += Double(s[f, b]) } }
        let k = mean.indices.dropFirst().dropLast().max { mean[$0] < mean[$1] }!
        let a = log(mean[k - 1] + 1e-30), b = log(mean[k] + 1e-30), d = log(mean[k + 1] + 1e-30)
        let delta = 0.5 * (a - d) / (a - 2 * b + d)
        return (Double(k) + delta) * Double(rate) / Double(c.nFFT)
    }

    /// Amplitude ratio out/in, dB, of the RMS over the second half (past any filter transient).
    static func gainDB(_ input: [Float], _ output: [Float]) -> Double {
        let h = input.count / 2
        return 20 * log10(Waveform.rms(Array(output[h...])) / Waveform.rms(Array(input[h...])))
    }
}
