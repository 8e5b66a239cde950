// Linear interpolation along one dimension (torch.nn.functional.interpolate, mode "linear"),
// the other way the SED head can bring framewise scores back to the input frame rate (besides
// repeatedInterleave). It runs as a product with a fixed [out, in] interpolation matrix, so its
// gradient is that of matmul.
import Foundation

extension Tensor {
    /// x: [.., L, ..] with L along `axis` -> the same with `size` there. Output position i reads
    /// input position src(i) between its two neighbours, weighted linearly:
    /// alignCorners: src = i (L - 1) / (size - 1) (0 when size is 1);
    /// otherwise src = max(0, (i + 0.5) L / size - 0.5), and the upper neighbour is clamped to
    /// L - 1. Matches torch.nn.functional.interpolate(x, size=size, mode="linear",
    /// align_corners=alignCorners) applied to that axis.
    public func interpolatedLinear(size: Int, axis: Int, alignCorners: Bool = false) throws -> Tensor {
        guard let a = shape.axis(axis) else { throw TensorError("interpolate", "dimension \(axis) out of range for shape \(shape)") }
        let length = shape[a]
        guard size >= 1, length >= 1 else {
            throw TensorError("interpolate", "needs a non-empty input and size >= 1, got shape \(shape) and size \(size)")
        }
        // weights[i, j]: the share of input j in output i.
        var weights = [Float](repeating: 0, count: size * length)
        for i in 0..<size {
            let src: Double
            if alignCorners {
                src = size > 1 ? Double(i) * Double(length - 1) / Double(size - 1) : 0
            } else {
                src = Swift.max(0, (Double(i) + 0.5) * Double(length) / Double(size) - 0.5)
            }
            let lo = Swift.min(Int(src.rounded(.down)), length - 1)
            let hi = Swift.min(lo + 1, length - 1)
            let lambda = Float(src - Double(lo))
            weights[i * length + lo] += 1 - lambda
            weights[i * length + hi] += lambda
        }
        let matrix = try Tensor(weights, shape: [size, length], device: device)
        // Move the axis last, multiply by the matrix's transpose, move it back.
        var order = Array(0..<rank)
        order.remove(at: a)
        order.append(a)
        let moved = a == rank - 1 ? self : try permuted(order)
        let scaled = try moved.matmul(matrix.transposed())
        guard a != rank - 1 else { return scaled }
        var inverse = [Int](repeating: 0, count: rank)
        for (position, dim) in order.enumerated() { inverse[dim] = position }
        return try scaled.permuted(inverse)
    }
}
