// CPU GRU over a whole sequence, one direction of one layer: per step one GEMM for the hidden
// projections (W_hh h) and one fused pass over the [B, H] elements for the gates; the backward
// walks the steps in reverse with one GEMM per step for dL/dh and one GEMM over all steps at the
// end for dL/dW_hh. The gate arithmetic is written in the order the op-composed GRU (and ATen's
// GRUCell) evaluates it, so the results match that formulation to rounding:
//   r = sigmoid(gi_r + (W_hr h + b_hr)),  z = sigmoid(gi_z + (W_hz h + b_hz))
//   n = tanh(gi_n + r * (W_hn h + b_hn)), h' = n + z * (h - n)
// Each fused pass is split over cores only when a worker gets >= ~100 us of work.
import Foundation

/// Elements of the forward gate pass per worker (~4 ns each: two sigmoids and a tanh, 16 lanes
/// at a time with VectorMath; measured 3.8-4.1 ns at H = 512 on one core). At B = 16, H = 512
/// (8,192 elements, ~33 us) a step's pass stays on one core.
private let forwardGrain = 24_576
/// Elements of the backward gate pass per worker (~2 ns each: arithmetic only).
private let backwardGrain = 49_152

/// The forward gates of `lanes` (1...16) consecutive hidden units j... of one row: x, p the
/// row's input and hidden projections [3H], b the hidden bias [3H], h the previous state [H],
/// y the new state [H], w the row's saved gates [4H] (nil without a graph). Vectorised with
/// VectorMath; the order of every addition and product is the scalar formula's.
@inline(__always) private func forwardGates(_ x: UnsafePointer<Float>, _ p: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                            _ h: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                            _ w: UnsafeMutablePointer<Float>?, hidden H: Int, at j: Int, lanes: Int) {
    @inline(__always) func load(_ q: UnsafePointer<Float>) -> VectorMath.V { VectorMath.load(q + j, lanes: lanes) }
    let rg = VectorMath.sigmoid(load(x) + (load(p) + load(b)))
    let zg = VectorMath.sigmoid(load(x + H) + (load(p + H) + load(b + H)))
    let hn = load(p + 2 * H) + load(b + 2 * H)
    let ng = VectorMath.tanh(load(x + 2 * H) + rg * hn)
    let hv = load(h)
    VectorMath.store(ng + zg * (hv - ng), y + j, lanes: lanes)
    if let w {
        VectorMath.store(rg, w + j, lanes: lanes)
        VectorMath.store(zg, w + H + j, lanes: lanes)
        VectorMath.store(ng, w + 2 * H + j, lanes: lanes)
        VectorMath.store(hn, w + 3 * H + j, lanes: lanes)
    }
}

/// Calls `body(row, columns)` for the pieces of the flat range `r` over rows of `width`.
@inline(__always) private func forEachRow(_ r: Range<Int>, width: Int, _ body: (Int, Range<Int>) -> Void) {
    guard !r.isEmpty else { return }
    for row in r.lowerBound / width...(r.upperBound - 1) / width {
        let start = row * width
        body(row, Swift.max(r.lowerBound, start) - start..<Swift.min(r.upperBound, start + width) - start)
    }
}

extension CPUBackend {
    public func gruForward(_ gi: Storage, weightHH: Storage, biasHH: Storage?, initialHidden: Storage, layout: GRULayout,
                           outputs: Storage, workspace: Storage?) {
        let B = layout.batch, H = layout.hidden, G = 3 * layout.hidden
        let bias = biasHH ?? zeroBias(G)
        let gh = allocate(B * G)
        for i in 0..<layout.steps {
            let t = layout.time(ofStep: i)
            let prev = layout.previous(of: t)
            let hPrev = prev.map { outputs.floats + $0 * B * H } ?? initialHidden.floats
            // gh = h W_hh^T [B, 3H]; the bias is added in the gate pass.
            gemm(transA: false, transB: true, m: B, n: G, k: H, alpha: 1,
                 a: prev == nil ? initialHidden : outputs, aOffset: (prev ?? 0) * B * H, aBatchStride: 0,
                 b: weightHH, bOffset: 0, bBatchStride: 0, beta: 0, c: gh, cOffset: 0, cBatchStride: 0, batch: 1)
            nonisolated(unsafe) let x = gi.floats + t * B * G, p = gh.floats, b = bias.floats, h = hPrev
            nonisolated(unsafe) let y = outputs.floats + t * B * H
            nonisolated(unsafe) let w = workspace.map { $0.floats + t * layout.workspacePerStep }
            parallel(B * H, grain: forwardGrain) { r in
                forEachRow(r, width: H) { row, cols in
                    let xr = x + row * G, pr = p + row * G, hr = h + row * H, yr = y + row * H
                    let wr = w.map { $0 + row * 4 * H }
                    var j = cols.lowerBound
                    while j < cols.upperBound {
                        let lanes = Swift.min(16, cols.upperBound - j)
                        forwardGates(xr, pr, b, hr, yr, wr, hidden: H, at: j, lanes: lanes)
                        j += lanes
                    }
                }
            }
        }
    }

    public func gruBackward(_ gradOutputs: Storage, weightHH: Storage, initialHidden: Storage, outputs: Storage,
                            workspace: Storage, layout: GRULayout, gradInputProjections: Storage,
                            gradWeightHH: Storage?, gradBiasHH: Storage?, gradInitialHidden: Storage) {
        let B = layout.batch, H = layout.hidden, G = 3 * layout.hidden, T = layout.steps
        // dL/d(W_hh h + b_hh) of every step, for the weight and bias gradients at the end.
        let dgh = allocate(T * B * G)
        // dL/dh of the state the current step started from; ends as dL/dh0.
        let carry = gradInitialHidden
        fill(carry, with: 0)
        for i in stride(from: T - 1, through: 0, by: -1) {
            let t = layout.time(ofStep: i)
            let prev = layout.previous(of: t)
            nonisolated(unsafe) let go = gradOutputs.floats + t * B * H, c = carry.floats
            nonisolated(unsafe) let h = prev.map { outputs.floats + $0 * B * H } ?? initialHidden.floats
            nonisolated(unsafe) let w = workspace.floats + t * layout.workspacePerStep
            nonisolated(unsafe) let dx = gradInputProjections.floats + t * B * G, dp = dgh.floats + t * B * G
            parallel(B * H, grain: backwardGrain) { r in
                forEachRow(r, width: H) { row, cols in
                    let wr = w + row * 4 * H, gr = go + row * H, cr = c + row * H, hr = h + row * H
                    let xr = dx + row * G, pr = dp + row * G
                    for j in cols {
                        let rg = wr[j], zg = wr[H + j], ng = wr[2 * H + j], hn = wr[3 * H + j]
                        let dh = gr[j] + cr[j]
                        // h' = n + z (h - n): through n, through z, and straight to h.
                        let dan = dh * (1 - zg) * (1 - ng * ng)
                        let daz = dh * (hr[j] - ng) * zg * (1 - zg)
                        let dar = dan * hn * rg * (1 - rg)
                        xr[j] = dar
                        xr[H + j] = daz
                        xr[2 * H + j] = dan
                        pr[j] = dar
                        pr[H + j] = daz
                        pr[2 * H + j] = dan * rg
                        cr[j] = dh * zg
                    }
                }
            }
            // dL/dh += dL/dgh W_hh: [B, 3H] x [3H, H].
            gemm(transA: false, transB: false, m: B, n: H, k: G, alpha: 1,
                 a: dgh, aOffset: t * B * G, aBatchStride: 0, b: weightHH, bOffset: 0, bBatchStride: 0,
                 beta: 1, c: carry, cOffset: 0, cBatchStride: 0, batch: 1)
        }
        if let gradWeightHH {
            // dW_hh = sum_t dgh_t^T h_{t-1}: the steps that started from an output are contiguous
            // in time (1..<T forward, 0..<T-1 reverse), so one GEMM; the first step adds h0.
            let first = layout.time(ofStep: 0)
            if T > 1 {
                gemm(transA: true, transB: false, m: G, n: H, k: (T - 1) * B, alpha: 1,
                     a: dgh, aOffset: (layout.reverse ? 0 : 1) * B * G, aBatchStride: 0,
                     b: outputs, bOffset: (layout.reverse ? 1 : 0) * B * H, bBatchStride: 0,
                     beta: 0, c: gradWeightHH, cOffset: 0, cBatchStride: 0, batch: 1)
            }
            gemm(transA: true, transB: false, m: G, n: H, k: B, alpha: 1,
                 a: dgh, aOffset: first * B * G, aBatchStride: 0, b: initialHidden, bOffset: 0, bBatchStride: 0,
                 beta: T > 1 ? 1 : 0, c: gradWeightHH, cOffset: 0, cBatchStride: 0, batch: 1)
        }
        if let gradBiasHH {
            let s = gradBiasHH.floats, d = dgh.floats
            s.update(repeating: 0, count: G)
            for row in 0..<T * B {
                let dr = d + row * G
                for j in 0..<G { s[j] += dr[j] }
            }
        }
    }

    /// A zero bias of `count` gates, for layers built without one.
    private func zeroBias(_ count: Int) -> Storage {
        let s = allocate(count)
        fill(s, with: 0)
        return s
    }
}
