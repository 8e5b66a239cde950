// The GRU recurrence over a whole sequence as one op: one direction of one layer of
// torch.nn.GRU after its input projections (one GEMM over all steps, done by the caller). The
// forward runs the backend's fused `gruForward` and keeps each step's gates in a workspace; the
// single graph node's backward runs `gruBackward` over the whole sequence, so the cost of a
// step no longer depends on how many steps there are. Like every op, the gradients it returns
// are assigned; autograd accumulates them into parameters.
import Foundation

extension Tensor {
    /// One direction of one GRU layer:
    /// inputProjections gi: [T, B, 3H] (W_ih x_t + b_ih for every step t, gates stacked r, z, n),
    /// weightHH: [3H, H], biasHH: [3H] or nil, initialHidden: [B, H]
    /// -> outputs [T, B, H] (h_t for every t, in time order) and last [B, H] (the state after
    /// the last step taken: t = T - 1, or t = 0 when `reverse`, which walks time backwards).
    /// Per step, as torch.nn.GRU (and GRU+Forward.swift):
    ///   r = sigmoid(gi_r + W_hr h + b_hr), z = sigmoid(gi_z + W_hz h + b_hz),
    ///   n = tanh(gi_n + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h.
    /// Gradients flow to all four inputs.
    public static func gruSequence(
        inputProjections gi: Tensor, weightHH: Tensor, biasHH: Tensor?,
        initialHidden h0: Tensor, reverse: Bool = false
    ) throws -> (outputs: Tensor, last: Tensor) {
        let layout = try gruLayout(gi, weightHH, biasHH, h0, reverse: reverse)
        let backend = gi.backend
        let inputs = [gi, weightHH] + (biasHH.map { [$0] } ?? []) + [h0]
        let needsGraph = GradMode.isEnabled && inputs.contains { $0.requiresGrad }
        let (T, B, H) = (layout.steps, layout.batch, layout.hidden)
        let outputs = Tensor.empty([T, B, H], on: backend)
        let workspace = needsGraph ? backend.allocate(T * layout.workspacePerStep) : nil
        backend.gruForward(
            gi.storage, weightHH: weightHH.storage, biasHH: biasHH?.storage, initialHidden: h0.storage,
            layout: layout, outputs: outputs.storage, workspace: workspace)
        if let workspace {
            // The closure keeps the outputs' storage, not the tensor: the tensor holds the node.
            // Nor the input projections, whose gradient needs only their shape.
            let saved = outputs.storage
            let (giShape, giNeeded) = (gi.shape, gi.requiresGrad)
            outputs.recording("gruSequence", inputs) { g in
                let dgi = Tensor.empty(giShape, on: backend)
                let dw = weightHH.requiresGrad ? Tensor.empty(weightHH.shape, on: backend) : nil
                let db = biasHH.flatMap { $0.requiresGrad ? Tensor.empty($0.shape, on: backend) : nil }
                let dh0 = Tensor.empty(h0.shape, on: backend)
                backend.gruBackward(
                    g.storage, weightHH: weightHH.storage, initialHidden: h0.storage, outputs: saved,
                    workspace: workspace, layout: layout, gradInputProjections: dgi.storage,
                    gradWeightHH: dw?.storage, gradBiasHH: db?.storage, gradInitialHidden: dh0.storage)
                return [giNeeded ? dgi : nil, dw] + (biasHH == nil ? [] : [db]) + [h0.requiresGrad ? dh0 : nil]
            }
        }
        let t = layout.lastTime
        return (outputs, try outputs.sliced(0, t..<t + 1).reshaped(B, H))
    }

    /// Checks the shapes and devices of `gruSequence`'s inputs and gives its layout.
    private static func gruLayout(
        _ gi: Tensor, _ weightHH: Tensor, _ biasHH: Tensor?, _ h0: Tensor,
        reverse: Bool
    ) throws -> GRULayout {
        for t in [weightHH, h0] + (biasHH.map { [$0] } ?? []) { try gi.checkSameDevice(t, "gruSequence") }
        guard weightHH.rank == 2, weightHH.shape[0] == 3 * weightHH.shape[1], weightHH.shape[1] > 0 else {
            throw TensorError("gruSequence", "weightHH must be [3H, H], got \(weightHH.shape)")
        }
        let H = weightHH.shape[1]
        guard gi.rank == 3, gi.shape[2] == 3 * H else {
            throw TensorError("gruSequence", "input projections must be [T, B, \(3 * H)] for weightHH \(weightHH.shape), got \(gi.shape)")
        }
        let T = gi.shape[0], B = gi.shape[1]
        guard T > 0 else { throw TensorError("gruSequence", "input projections \(gi.shape) have no time steps") }
        guard h0.shape == Shape([B, H]) else {
            throw TensorError("gruSequence", "initial hidden state \(h0.shape) for input projections \(gi.shape): expected [\(B), \(H)]")
        }
        if let biasHH, biasHH.shape != Shape([3 * H]) {
            throw TensorError("gruSequence", "biasHH must be [\(3 * H)], got \(biasHH.shape)")
        }
        return GRULayout(steps: T, batch: B, hidden: H, reverse: reverse)
    }
}
