// Analysis windows, computed in float64 as scipy.signal.get_window(..., fftbins=True) does
// and rounded once to float32.
import Foundation

extension WindowKind {
    /// The periodic window of `length` samples: a generalised cosine sum
    /// `sum_k a_k cos(k * phi_n)` with `phi_n = -pi + 2 pi n / length`.
    public func values(length: Int) -> [Double] {
        let coefficients: [Double]
        switch self {
        case .rectangular: return [Double](repeating: 1, count: length)
        case .hann: coefficients = [0.5, 0.5]
        case .hamming: coefficients = [0.54, 1 - 0.54]  // scipy writes 1 - alpha, not 0.46
        case .blackman: coefficients = [0.42, 0.50, 0.08]
        }
        guard length > 1 else { return [Double](repeating: 1, count: length) }
        // numpy.linspace(-pi, pi, length + 1): start + i * step, endpoint dropped.
        let step = (2 * Double.pi) / Double(length)
        return (0..<length).map { i in
            let phi = Double(i) * step + -Double.pi
            var w = 0.0
            for (k, a) in coefficients.enumerated() { w += a * cos(Double(k) * phi) }
            return w
        }
    }

    /// The window centred in `nFFT` samples with zeros either side (librosa's `pad_center`).
    public func padded(length: Int, to nFFT: Int) -> [Float] {
        var out = [Float](repeating: 0, count: nFFT)
        let left = (nFFT - length) / 2
        for (i, w) in values(length: length).enumerated() { out[left + i] = Float(w) }
        return out
    }
}
