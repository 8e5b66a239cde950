// The GRU's forward pass. Per layer and direction the input projections of all time steps are
// one matmul; the recurrence over the steps is the engine's fused `Tensor.gruSequence` (one GEMM
// and one gate pass per step, one graph node per sequence), which evaluates PyTorch's CPU GRU:
//   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
//   z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
//   h' = (1 - z) * n + z * h, computed as n + z * (h - n) like ATen's GRUCell.
import WarblerTensor

extension GRU {
    /// input: [B, T, I] (batch first), [T, B, I] otherwise, or unbatched [T, I];
    /// initialHidden: [layers*D, B, H] ([layers*D, H] unbatched), zeros when nil.
    /// -> output [B, T, D*H] / [T, B, D*H] / [T, D*H] and hidden [layers*D, B, H].
    /// Matches torch.nn.GRU's forward, with gradients for the input, the initial hidden state
    /// and every weight and bias.
    public func callAsFunction(_ input: Tensor, initialHidden: Tensor? = nil) throws -> GRUOutput {
        let unbatched = input.rank == 2
        guard input.rank == 3 || unbatched else {
            throw TensorError("GRU", "input must be [B, T, I], [T, B, I] or [T, I], got \(input.shape)")
        }
        guard input.shape[-1] == inputSize else {
            throw TensorError("GRU", "input \(input.shape) has \(input.shape[-1]) features but inputSize is \(inputSize)")
        }
        // Time-major [T, B, I] inside.
        var x = unbatched ? try input.unsqueezed(1) : input
        if batchFirst && !unbatched { x = try x.transposed(0, 1) }
        let steps = x.shape[0], batch = x.shape[1]
        let states = layers * directionCount
        var h0 = initialHidden
        if let h = initialHidden {
            let expected = unbatched ? Shape([states, hiddenSize]) : Shape([states, batch, hiddenSize])
            guard h.shape == expected else {
                throw TensorError("GRU", "initial hidden state \(h.shape) for input \(input.shape): expected \(expected)")
            }
            if unbatched { h0 = try h.unsqueezed(1) }
        }
        guard steps > 0 else { throw TensorError("GRU", "input \(input.shape) has no time steps") }

        var layerInput = x
        var finals: [Tensor] = []
        for layer in 0..<layers {
            var outputs: [Tensor] = []
            for d in 0..<directionCount {
                let index = layer * directionCount + d
                let start =
                    try h0.map { try $0.sliced(0, index..<index + 1).reshaped(batch, hiddenSize) }
                    ?? Tensor.zeros([batch, hiddenSize], device: x.device)
                let (out, last) = try run(directions[index], layerInput, start, reverse: d == 1)
                outputs.append(out)
                finals.append(try last.unsqueezed(0))
            }
            layerInput = outputs.count == 1 ? outputs[0] : try Tensor.concatenated(outputs, axis: 2)
            if dropout > 0 && isTraining && layer < layers - 1 {
                layerInput = try layerInput.dropout(dropout, training: true, generator: &dropoutGenerator)
            }
        }
        var output = layerInput
        var hidden = try Tensor.concatenated(finals, axis: 0)
        if unbatched {
            output = try output.squeezed(1)
            hidden = try hidden.squeezed(1)
        } else if batchFirst {
            output = try output.transposed(0, 1)
        }
        return GRUOutput(output: output, hidden: hidden)
    }

    /// One direction of one layer. x: [T, B, in], h: [B, H] -> outputs [T, B, H] (in time
    /// order for both directions) and the final state [B, H].
    func run(_ w: Direction, _ x: Tensor, _ h: Tensor, reverse: Bool) throws -> (Tensor, Tensor) {
        // All steps' input projections in one GEMM: [T, B, 3H].
        let gi = try x.linear(weight: w.weightIH, bias: w.biasIH)
        let (outputs, last) = try Tensor.gruSequence(
            inputProjections: gi, weightHH: w.weightHH, biasHH: w.biasHH,
            initialHidden: h, reverse: reverse)
        return (outputs, last)
    }
}
