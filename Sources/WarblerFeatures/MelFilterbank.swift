// Mel filterbanks built in float64 exactly as librosa.filters.mel builds them, then rounded to
// float32; kept both dense (for export and tests) and sparse (for the per-frame projection,
// where each band touches only a few dozen of the 513 bins).
import Foundation

extension MelScale {
    /// Hz to mel (librosa.hz_to_mel).
    public func mel(fromHz f: Double) -> Double {
        switch self {
        case .htk:
            return 2595.0 * log10(1.0 + f / 700.0)
        case .slaney:
            let fSp = 200.0 / 3
            let minLogHz = 1000.0
            let minLogMel = minLogHz / fSp
            let logStep = log(6.4) / 27.0
            return f >= minLogHz ? minLogMel + log(f / minLogHz) / logStep : f / fSp
        }
    }

    /// Mel to Hz (librosa.mel_to_hz).
    public func hz(fromMel m: Double) -> Double {
        switch self {
        case .htk:
            return 700.0 * (pow(10.0, m / 2595.0) - 1.0)
        case .slaney:
            let fSp = 200.0 / 3
            let minLogHz = 1000.0
            let minLogMel = minLogHz / fSp
            let logStep = log(6.4) / 27.0
            return m >= minLogMel ? minLogHz * exp(logStep * (m - minLogMel)) : fSp * m
        }
    }

    /// `count` frequencies evenly spaced in mel between fMin and fMax (librosa.mel_frequencies).
    public func frequencies(count: Int, fMin: Double, fMax: Double) -> [Double] {
        let lo = mel(fromHz: fMin), hi = mel(fromHz: fMax)
        return linspace(lo, hi, count).map { hz(fromMel: $0) }
    }
}

/// numpy.linspace(start, stop, count) with endpoint=True, reproduced operation for operation.
func linspace(_ start: Double, _ stop: Double, _ count: Int) -> [Double] {
    guard count > 1 else { return count == 1 ? [start] : [] }
    let step = (stop - start) / Double(count - 1)
    var out = (0..<count).map { Double($0) * step + start }
    out[count - 1] = stop
    return out
}

/// Triangular mel filters over the one-sided spectrum.
public struct MelFilterbank: Sendable {
    public let melCount: Int
    public let binCount: Int
    /// Dense weights, [melCount, binCount] row-major, float32 as librosa returns them.
    public let weights: [Float]
    /// Centre frequency of each band, Hz (the middle of its three defining frequencies).
    public let centerFrequencies: [Double]
    /// For band m, its non-zero weights start at bin `firstBin[m]` and run for `lengths[m]` bins;
    /// their values are at `sparseWeights[offsets[m] ..< offsets[m] + lengths[m]]`.
    let firstBin: [Int]
    let lengths: [Int]
    let offsets: [Int]
    let sparseWeights: [Float]

    /// librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk, norm), float32.
    public init(
        sampleRate: Int, nFFT: Int, melCount: Int, fMin: Double, fMax: Double,
        scale: MelScale = .slaney, norm: MelNorm = .slaney
    ) {
        self.melCount = melCount
        let bins = nFFT / 2 + 1
        binCount = bins
        // numpy.fft.rfftfreq(n_fft, d=1/sr): i * (1 / (n * d)).
        let val = 1.0 / (Double(nFFT) * (1.0 / Double(sampleRate)))
        let fftFreqs = (0..<binCount).map { Double($0) * val }
        let melF = scale.frequencies(count: melCount + 2, fMin: fMin, fMax: fMax)
        let fdiff = (0..<melCount + 1).map { melF[$0 + 1] - melF[$0] }
        var dense = [Float](repeating: 0, count: melCount * binCount)
        for m in 0..<melCount {
            let enorm = norm == .slaney ? 2.0 / (melF[m + 2] - melF[m]) : 1.0
            for k in 0..<binCount {
                let lower = -(melF[m] - fftFreqs[k]) / fdiff[m]
                let upper = (melF[m + 2] - fftFreqs[k]) / fdiff[m + 1]
                // librosa stores the triangle in a float32 array first and multiplies by the
                // float64 norm afterwards: two roundings, reproduced here.
                var w = Float(max(0, min(lower, upper)))
                if norm == .slaney { w = Float(Double(w) * enorm) }
                dense[m * binCount + k] = w
            }
        }
        weights = dense
        centerFrequencies = (0..<melCount).map { melF[$0 + 1] }
        var first = [Int](), lens = [Int](), offs = [Int](), sparse = [Float]()
        for m in 0..<melCount {
            let rowStart = m * bins
            let row = dense[rowStart..<rowStart + bins]
            let lo = row.firstIndex(where: { $0 != 0 }).map { $0 - rowStart } ?? 0
            let hi = row.lastIndex(where: { $0 != 0 }).map { $0 - rowStart + 1 } ?? 0
            first.append(lo)
            lens.append(max(0, hi - lo))
            offs.append(sparse.count)
            if hi > lo { sparse.append(contentsOf: dense[rowStart + lo..<rowStart + hi]) }
        }
        firstBin = first
        lengths = lens
        offsets = offs
        sparseWeights = sparse
    }

    public init(config: FrontEndConfig) {
        self.init(
            sampleRate: config.sampleRate, nFFT: config.nFFT, melCount: config.nMels,
            fMin: config.fMin, fMax: config.effectiveFMax, scale: config.melScale, norm: config.melNorm)
    }

    /// Projects a batch of spectra stored bin-major, `power[k * 8 + f]` for bin k of frame f,
    /// onto the bands, `mel[m * 8 + f]`: each weight is one SIMD multiply-add across 8 frames.
    @inline(__always)
    func applyBatch(_ power: UnsafeMutablePointer<Float>, into mel: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        precondition(FFTPlan.batch == 8, "applyBatch assumes 8-frame batches")
        let p = UnsafeRawPointer(power)
        let o = UnsafeMutableRawPointer(mel)
        sparseWeights.withUnsafeBufferPointer { w in
            firstBin.withUnsafeBufferPointer { first in
                lengths.withUnsafeBufferPointer { len in
                    offsets.withUnsafeBufferPointer { off in
                        for m in 0..<melCount {
                            var acc = V()
                            let k0 = first[m], n = len[m], j0 = off[m]
                            var j = 0
                            while j < n {
                                let v = p.loadUnaligned(fromByteOffset: (k0 &+ j) &* 32, as: V.self)
                                acc.addProduct(V(repeating: w[j0 &+ j]), v)
                                j &+= 1
                            }
                            o.storeBytes(of: acc, toByteOffset: m &* 32, as: V.self)
                        }
                    }
                }
            }
        }
    }
}
