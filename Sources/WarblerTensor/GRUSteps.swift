// The GRU time loop shared by the CPU and CUDA backends: per step, one GEMM for the hidden
// projections and one gate pass (`gruGates`, each backend's own, vectorised or a kernel); the
// backward walks the steps in reverse with one gate-gradient pass and one GEMM for dL/dh per
// step, then one GEMM over all steps for dL/dW_hh. Backends provide the two per-step passes and
// the bias-gradient sum (`GRUStepPrimitives`); the order of steps, the offsets and every GEMM
// are here once, as the backends' gruForward and gruBackward. The gate arithmetic is torch.nn.GRU's (and ATen's GRUCell's) order:
//   r = sigmoid(gi_r + (W_hr h + b_hr)),  z = sigmoid(gi_z + (W_hz h + b_hz))
//   n = tanh(gi_n + r * (W_hn h + b_hn)), h' = n + z * (h - n)

/// The per-step passes of a GRU layer, over the [B, H] elements of one step (`GRULayout`'s
/// time-major layout; every offset counts floats).
public protocol GRUStepPrimitives: Backend {
    /// From the step's input projections gi [B, 3H] (at giOffset), its hidden projections
    /// gh = h W_hh^T [B, 3H] (no bias), biasHH [3H] (nil: none) and the previous state h [B, H]
    /// (at hOffset): the new state into `outputs` at outOffset [B, H], and r, z, n and
    /// W_hn h + b_hn into `workspace` at workOffset [B, 4H] when given.
    func gruGates(
        _ gi: Storage, giOffset: Int, hiddenProjections gh: Storage, biasHH: Storage?, previous h: Storage,
        hOffset: Int, into outputs: Storage, outOffset: Int, workspace: Storage?, workOffset: Int, batch: Int, hidden: Int)
    /// The backward of one step's gates: from dL/dy [B, H] (gradOutputs at gOffset), `carry`
    /// (dL/dh carried from later steps [B, H], replaced by the part that flows to the previous
    /// state through z), the previous state h (at hOffset) and the step's saved gates (workspace
    /// at workOffset): dL/d gi into gradInputProjections at dxOffset [B, 3H] and
    /// dL/d(W_hh h + b_hh) into gradHiddenProjections at dghOffset [B, 3H].
    func gruGatesBackward(
        _ gradOutputs: Storage, gOffset: Int, carry: Storage, previous h: Storage, hOffset: Int,
        workspace: Storage, workOffset: Int, gradInputProjections: Storage, dxOffset: Int,
        gradHiddenProjections: Storage, dghOffset: Int, batch: Int, hidden: Int)
    /// dL/d b_hh: the sum over the `rows` rows of dL/d(W_hh h + b_hh) [rows, gates] (assigned).
    func gruBiasGradient(_ gradHiddenProjections: Storage, rows: Int, gates: Int, into gradBiasHH: Storage)
}

extension GRUStepPrimitives {
    /// The time loop over `gruGates`.
    public func gruForward(
        _ gi: Storage, weightHH: Storage, biasHH: Storage?, initialHidden: Storage, layout: GRULayout,
        outputs: Storage, workspace: Storage?
    ) {
        let B = layout.batch, H = layout.hidden, G = 3 * layout.hidden
        let gh = allocate(B * G)
        for i in 0..<layout.steps {
            let t = layout.time(ofStep: i)
            let prev = layout.previous(of: t)
            let h = prev == nil ? initialHidden : outputs, hOffset = (prev ?? 0) * B * H
            // gh = h W_hh^T [B, 3H]; the bias is added in the gate pass.
            gemm(
                transA: false, transB: true, m: B, n: G, k: H, alpha: 1, a: h, aOffset: hOffset, aBatchStride: 0,
                b: weightHH, bOffset: 0, bBatchStride: 0, beta: 0, c: gh, cOffset: 0, cBatchStride: 0, batch: 1)
            gruGates(
                gi, giOffset: t * B * G, hiddenProjections: gh, biasHH: biasHH, previous: h, hOffset: hOffset,
                into: outputs, outOffset: t * B * H, workspace: workspace, workOffset: t * layout.workspacePerStep,
                batch: B, hidden: H)
        }
    }

    /// The reverse time loop over `gruGatesBackward`, then the weight gradient (GEMMs) and the
    /// bias gradient (`gruBiasGradient`) from dL/d(W_hh h + b_hh) of every step.
    public func gruBackward(
        _ gradOutputs: Storage, weightHH: Storage, initialHidden: Storage, outputs: Storage,
        workspace: Storage, layout: GRULayout, gradInputProjections: Storage,
        gradWeightHH: Storage?, gradBiasHH: Storage?, gradInitialHidden: Storage
    ) {
        let B = layout.batch, H = layout.hidden, G = 3 * layout.hidden, T = layout.steps
        let dgh = allocate(T * B * G)
        // dL/dh of the state the current step started from; ends as dL/dh0.
        let carry = gradInitialHidden
        fill(carry, with: 0)
        for i in stride(from: T - 1, through: 0, by: -1) {
            let t = layout.time(ofStep: i)
            let prev = layout.previous(of: t)
            gruGatesBackward(
                gradOutputs, gOffset: t * B * H, carry: carry, previous: prev == nil ? initialHidden : outputs,
                hOffset: (prev ?? 0) * B * H, workspace: workspace, workOffset: t * layout.workspacePerStep,
                gradInputProjections: gradInputProjections, dxOffset: t * B * G, gradHiddenProjections: dgh,
                dghOffset: t * B * G, batch: B, hidden: H)
            // dL/dh += dL/dgh W_hh: [B, 3H] x [3H, H].
            gemm(
                transA: false, transB: false, m: B, n: H, k: G, alpha: 1,
                a: dgh, aOffset: t * B * G, aBatchStride: 0, b: weightHH, bOffset: 0, bBatchStride: 0,
                beta: 1, c: carry, cOffset: 0, cBatchStride: 0, batch: 1)
        }
        if let gradWeightHH {
            // dW_hh = sum_t dgh_t^T h_{t-1}: the steps that started from an output are contiguous
            // in time (1..<T forward, 0..<T-1 reverse), so one GEMM; the first step adds h0.
            let first = layout.time(ofStep: 0)
            if T > 1 {
                gemm(
                    transA: true, transB: false, m: G, n: H, k: (T - 1) * B, alpha: 1,
                    a: dgh, aOffset: (layout.reverse ? 0 : 1) * B * G, aBatchStride: 0,
                    b: outputs, bOffset: (layout.reverse ? 1 : 0) * B * H, bBatchStride: 0,
                    beta: 0, c: gradWeightHH, cOffset: 0, cBatchStride: 0, batch: 1)
            }
            gemm(
                transA: true, transB: false, m: G, n: H, k: B, alpha: 1,
                a: dgh, aOffset: first * B * G, aBatchStride: 0, b: initialHidden, bOffset: 0, bBatchStride: 0,
                beta: T > 1 ? 1 : 0, c: gradWeightHH, cOffset: 0, cBatchStride: 0, batch: 1)
        }
        if let gradBiasHH { gruBiasGradient(dgh, rows: T * B, gates: G, into: gradBiasHH) }
    }
}
