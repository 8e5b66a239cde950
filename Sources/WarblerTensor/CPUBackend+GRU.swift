// The CPU GRU's per-step passes (the time loop is GRUSteps.swift, shared with CUDA): one fused
// pass over the [B, H] elements for the gates, vectorised with VectorMath, and one for their
// gradients; the bias gradient is a row sum in step order. The gate arithmetic is written in the
// order the op-composed GRU (and ATen's GRUCell) evaluates it, so the results match that
// formulation to rounding. Each pass is split over cores only when a worker gets >= ~100 us of
// work.
import Foundation

/// Elements of the forward gate pass per worker (~4 ns each: two sigmoids and a tanh, 16 lanes
/// at a time with VectorMath; docs/benchmarks.md, "Engine notes"), so a worker gets ~100 us:
/// at B = 16, H = 512 a step's pass stays on one core.
private let forwardGrain = 24_576
/// Elements of the backward gate pass per worker (~2 ns each: arithmetic only).
private let backwardGrain = 49_152

/// The forward gates of `lanes` (1...16) consecutive hidden units j... of one row: x, p the
/// row's input and hidden projections [3H], b the hidden bias [3H], h the previous state [H],
/// y the new state [H], w the row's saved gates [4H] (nil without a graph). Vectorised with
/// VectorMath; the order of every addition and product is the scalar formula's.
@inline(__always) private func forwardGates(
    _ x: UnsafePointer<Float>, _ p: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    _ h: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    _ w: UnsafeMutablePointer<Float>?, hidden H: Int, at j: Int, lanes: Int
) {
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

extension CPUBackend: GRUStepPrimitives {
    public func gruGates(
        _ gi: Storage, giOffset: Int, hiddenProjections gh: Storage, biasHH: Storage?, previous h: Storage,
        hOffset: Int, into outputs: Storage, outOffset: Int, workspace: Storage?, workOffset: Int,
        batch B: Int, hidden H: Int
    ) {
        let G = 3 * H
        let bias = biasHH ?? zeroBias(G)
        nonisolated(unsafe) let x = gi.floats + giOffset, p = gh.floats, b = bias.floats, hp = h.floats + hOffset
        nonisolated(unsafe) let y = outputs.floats + outOffset
        nonisolated(unsafe) let w = workspace.map { $0.floats + workOffset }
        parallel(B * H, grain: forwardGrain) { r in
            forEachRow(r, width: H) { row, cols in
                let xr = x + row * G, pr = p + row * G, hr = hp + row * H, yr = y + row * H
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

    /// Rows added in step order, one float sum per gate.
    public func gruBiasGradient(_ gradHiddenProjections: Storage, rows: Int, gates G: Int, into gradBiasHH: Storage) {
        let s = gradBiasHH.floats, d = gradHiddenProjections.floats
        s.update(repeating: 0, count: G)
        for row in 0..<rows {
            let dr = d + row * G
            for j in 0..<G { s[j] += dr[j] }
        }
    }

    public func gruGatesBackward(
        _ gradOutputs: Storage, gOffset: Int, carry: Storage, previous h: Storage, hOffset: Int,
        workspace: Storage, workOffset: Int, gradInputProjections: Storage, dxOffset: Int,
        gradHiddenProjections: Storage, dghOffset: Int, batch B: Int, hidden H: Int
    ) {
        let G = 3 * H
        nonisolated(unsafe) let go = gradOutputs.floats + gOffset, c = carry.floats
        nonisolated(unsafe) let hp = h.floats + hOffset
        nonisolated(unsafe) let w = workspace.floats + workOffset
        nonisolated(unsafe) let dx = gradInputProjections.floats + dxOffset, dp = gradHiddenProjections.floats + dghOffset
        parallel(B * H, grain: backwardGrain) { r in
            forEachRow(r, width: H) { row, cols in
                let wr = w + row * 4 * H, gr = go + row * H, cr = c + row * H, hr = hp + row * H
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
    }

    /// A zero bias of `count` gates, for layers built without one.
    private func zeroBias(_ count: Int) -> Storage {
        let s = allocate(count)
        fill(s, with: 0)
        return s
    }
}
