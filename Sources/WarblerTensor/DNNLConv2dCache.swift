// The oneDNN convolutions made so far, cached by the full geometry, bias flag and layout, and the
// call that runs one pass of one of them. Primitives are made (and JIT-compiled) on the first
// call with a geometry and kept for the life of the process: a model has a few dozen distinct
// convolutions per batch size. Everything happens under DNNL's lock, so any thread may call.
import CDNNL
import Foundation

final class DNNLConv2dCache: @unchecked Sendable {
    static let shared = DNNLConv2dCache()

    struct Key: Hashable {
        let geometry: Conv2dGeometry
        let bias: Bool
        let layout: DNNLConvLayout
    }

    /// Whether oneDNN runs bf16 convolutions in hardware here (an AVX-512 BF16 kernel for a
    /// probe convolution): without it bf16 would be emulated, slower than float32.
    static let hasBF16: Bool = {
        let g = Conv2dGeometry(
            images: 1, channels: 64, outChannels: 64, groups: 1,
            window: Window2d(height: 16, width: 16, kernel: (3, 3), stride: (1, 1), padding: (1, 1)))
        return shared.implementation(.forward, g, bias: false, layout: .blockedBF16)?.contains("bf16") ?? false
    }()

    /// nil entries: oneDNN has no convolution for that key (it is not asked again).
    private var entries: [Key: DNNLConv2d?] = [:]

    /// Runs `pass` of the convolution `geometry` on the caller's NCHW/OIHW `pointers`, in the
    /// primitive's operand order: forward (x, weight, y[, bias]), backward data (dY, weight, dX),
    /// backward weights (dY, x, dW[, dB]); `bias` says whether the bias operand is there.
    /// Returns false, having written nothing useful, when oneDNN is unavailable or has no
    /// primitive for this geometry; the caller then takes another path.
    func run(
        _ pass: DNNLConvPass, _ geometry: Conv2dGeometry, bias: Bool, layout: DNNLConvLayout, threads: Int,
        _ pointers: [UnsafeMutableRawPointer?]
    ) -> Bool {
        guard let dnnl = DNNL.shared else { return false }
        return dnnl.run(threads: threads) {
            guard let step = primitives(Key(geometry: geometry, bias: bias, layout: layout), dnnl)?.step(pass, engine: dnnl.engine)
            else { return false }
            do {
                try step.execute(pointers, dnnl)
                return true
            } catch {
                return false
            }
        }
    }

    /// The implementation oneDNN chose for `pass` of `geometry` (e.g. "jit:avx512_core",
    /// "gemm:jit"), or nil when it has none; for benchmarks and tests.
    func implementation(_ pass: DNNLConvPass, _ geometry: Conv2dGeometry, bias: Bool, layout: DNNLConvLayout) -> String? {
        guard let dnnl = DNNL.shared else { return nil }
        return dnnl.run(threads: 1) {
            primitives(Key(geometry: geometry, bias: bias, layout: layout), dnnl)?.step(pass, engine: dnnl.engine)?.implementation
        }
    }

    /// The cached primitives for `key`, made on first use (call under DNNL's lock).
    private func primitives(_ key: Key, _ dnnl: DNNL) -> DNNLConv2d? {
        if let entry = entries[key] { return entry }
        let made = try? DNNLConv2d(key.geometry, bias: key.bias, layout: key.layout, engine: dnnl.engine)
        entries[key] = .some(made)
        return made
    }
}
