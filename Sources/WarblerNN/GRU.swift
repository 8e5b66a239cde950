// GRU: a multi-layer, optionally bidirectional gated recurrent unit, exactly as torch.nn.GRU.
// This file holds the layer's configuration and parameters; GRU+Forward.swift runs it.
//
// Parameters per layer k (input size I for k = 0, D * H above; D = 2 when bidirectional):
//   weight_ih_l{k} [3H, in], weight_hh_l{k} [3H, H], bias_ih_l{k} [3H], bias_hh_l{k} [3H],
// with the rows stacked as (r, z, n), and the same with the suffix `_reverse` for the backward
// direction, registered in PyTorch's order (l0, l0_reverse, l1, ...).
import WarblerTensor

public final class GRU: Module {
    /// The weights of one direction of one layer.
    struct Direction {
        let suffix: String
        let weightIH: Tensor
        let weightHH: Tensor
        let biasIH: Tensor?
        let biasHH: Tensor?
    }

    public let inputSize: Int
    public let hiddenSize: Int
    public let layers: Int
    public let bidirectional: Bool
    /// Input [B, T, I] and output [B, T, D*H] when true; [T, B, I] and [T, B, D*H] when false.
    /// The final hidden state is [layers*D, B, H] either way (as PyTorch).
    public let batchFirst: Bool
    /// Dropout on the outputs of every layer but the last, in training mode (PyTorch's `dropout`).
    public let dropout: Float
    let directions: [Direction]
    var dropoutGenerator: SeededGenerator

    /// Directions per layer: 2 when bidirectional, else 1.
    public var directionCount: Int { bidirectional ? 2 : 1 }

    /// PyTorch's initialisation (torch.nn.GRU.reset_parameters): every weight and bias from
    /// U(-1/sqrt(H), 1/sqrt(H)), drawn in parameter order from `generator`.
    public init(
        inputSize: Int, hiddenSize: Int, layers: Int = 1, bias: Bool = true, bidirectional: Bool = false,
        batchFirst: Bool = false, dropout: Float = 0, generator: inout some RandomNumberGenerator
    ) throws {
        guard inputSize > 0, hiddenSize > 0, layers > 0 else {
            throw TensorError("GRU", "inputSize \(inputSize), hiddenSize \(hiddenSize) and layers \(layers) must be positive")
        }
        guard dropout >= 0 && dropout < 1 else { throw TensorError("GRU", "dropout \(dropout) is not in [0, 1)") }
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.bidirectional = bidirectional
        self.batchFirst = batchFirst
        self.dropout = dropout
        let bound = 1 / Float(hiddenSize).squareRoot()
        let h3 = 3 * hiddenSize
        var dirs: [Direction] = []
        for layer in 0..<layers {
            let inSize = layer == 0 ? inputSize : hiddenSize * (bidirectional ? 2 : 1)
            for reverse in bidirectional ? [false, true] : [false] {
                dirs.append(
                    Direction(
                        suffix: "_l\(layer)" + (reverse ? "_reverse" : ""),
                        weightIH: try Init.uniform([h3, inSize], bound: bound, generator: &generator),
                        weightHH: try Init.uniform([h3, hiddenSize], bound: bound, generator: &generator),
                        biasIH: bias ? try Init.uniform([h3], bound: bound, generator: &generator) : nil,
                        biasHH: bias ? try Init.uniform([h3], bound: bound, generator: &generator) : nil))
            }
        }
        directions = dirs
        dropoutGenerator = SeededGenerator(seed: generator.next())
    }

    /// PyTorch names each direction's weights by layer and direction, not by property.
    public override var ownParameters: [(String, Tensor)] {
        directions.flatMap { d -> [(String, Tensor)] in
            var p = [("weight_ih" + d.suffix, d.weightIH), ("weight_hh" + d.suffix, d.weightHH)]
            if let b = d.biasIH { p.append(("bias_ih" + d.suffix, b)) }
            if let b = d.biasHH { p.append(("bias_hh" + d.suffix, b)) }
            return p
        }
    }
}

/// What a GRU returns (torch.nn.GRU's `(output, h_n)`).
public struct GRUOutput {
    /// The last layer's hidden state at every step, both directions concatenated:
    /// [B, T, D*H] (batch first), [T, B, D*H] otherwise, [T, D*H] for unbatched input.
    public var output: Tensor
    /// Every layer's and direction's final hidden state, [layers*D, B, H] ([layers*D, H]
    /// unbatched), ordered l0, l0_reverse, l1, ... For the reverse direction "final" is the
    /// state after reading step 0.
    public var hidden: Tensor
}
