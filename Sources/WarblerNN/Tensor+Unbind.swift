// Splitting a tensor into its slices along an axis (torch.unbind), composed from the engine's
// `sliced`. The engine's slice gradient is a zero tensor of the whole input with the slice's
// gradient scattered in, so slicing T steps one by one costs O(T^2) in backward (T full-size
// zero fills and adds). Slicing first into ~sqrt(T) chunks and then each chunk into steps
// brings that to O(T^1.5): for T = 500, about 45 full-size fills instead of 500.
// An engine-level unbind (or split) whose gradient concatenates would make it O(T).
import WarblerTensor

extension Tensor {
    /// x: [.., n, ..] -> n tensors with `axis` removed, in order. Gradients flow back to x.
    func unbound(axis: Int) throws -> [Tensor] {
        guard let a = shape.axis(axis) else { throw TensorError("unbind", "dimension \(axis) out of range for shape \(shape)") }
        let n = shape[a]
        let chunk = Swift.max(1, Int(Double(n).squareRoot().rounded(.up)))
        var pieces: [Tensor] = []
        pieces.reserveCapacity(n)
        for start in stride(from: 0, to: n, by: chunk) {
            let part = n <= chunk ? self : try sliced(a, start..<Swift.min(n, start + chunk))
            for i in 0..<part.shape[a] { pieces.append(try part.sliced(a, i..<i + 1).squeezed(a)) }
        }
        return pieces
    }
}
