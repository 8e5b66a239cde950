// The fused ops (batch norm + ReLU, add + ReLU, the ReLU backward read from the output) against
// the unfused compositions they replace, whose ops are checked against PyTorch in
// OpParityTests; and the vectorised, split sums against Double-precision sums of the same
// numbers. Shapes include rows shorter than and not a multiple of the 16-float SIMD width.
import Foundation
import WarblerTestSupport
@testable import WarblerTensor
import XCTest

final class FusedOpTests: XCTestCase {
    private func random(_ dims: [Int], scale: Float = 1, offset: Float = 0, requiresGrad: Bool = false) throws -> Tensor {
        let n = dims.reduce(1, *)
        var rng = SplitMix(seed: UInt64(n * 7919 + dims.count))
        let values = (0..<n).map { _ in offset + scale * (Float(rng.next() % 2_000_001) / 1_000_000 - 1) }
        return try Tensor(values, shape: Shape(dims), requiresGrad: requiresGrad)
    }

    /// Fused and unfused batch norm + ReLU agree in output, running statistics and every
    /// gradient, in training and evaluation. The two compute the same expressions in a
    /// different grouping (one pass instead of two), so they agree to a few float32 roundings
    /// of the operands' magnitude (atol 1e-5, rtol 1e-5 for values of order 1).
    func testBatchNormReLUMatchesBatchNormThenReLU() throws {
        for dims in [[3, 5, 7, 3], [2, 4, 33, 17], [4, 6, 1, 1], [2, 3, 16, 16]] {
            for training in [true, false] {
                let c = dims[1]
                let x = try random(dims, scale: 2, offset: 0.3, requiresGrad: true)
                let upstream = try random(dims, scale: 1.5)
                var results: [[Tensor?]] = []
                for fused in [true, false] {
                    x.zeroGrad()
                    let weight = try Tensor((0..<c).map { 0.5 + Float($0) * 0.25 }, shape: [c], requiresGrad: true)
                    let bias = try Tensor((0..<c).map { Float($0) * 0.1 - 0.2 }, shape: [c], requiresGrad: true)
                    let mean = try Tensor((0..<c).map { Float($0) * 0.05 }, shape: [c])
                    let variance = try Tensor((0..<c).map { 1 + Float($0) * 0.1 }, shape: [c])
                    let y =
                        fused
                        ? try x.batchNorm(runningMean: mean, runningVar: variance, weight: weight, bias: bias, training: training, relu: true)
                        : try x.batchNorm(runningMean: mean, runningVar: variance, weight: weight, bias: bias, training: training).relu()
                    try (y * upstream).sum().backward()
                    results.append([y, x.grad, weight.grad, bias.grad, mean, variance])
                }
                var worst = WorstError()
                for (i, name) in ["output", "x.grad", "weight.grad", "bias.grad", "running_mean", "running_var"].enumerated() {
                    guard let reference = results[1][i] else { XCTFail("\(dims) \(name): missing"); continue }
                    assertClose(results[0][i], reference, atol: 1e-5, rtol: 1e-5, "\(dims) training \(training) \(name)", worst: &worst)
                }
                let y = results[0][0]!.toArray()
                XCTAssertTrue(y.contains(0) && y.contains { $0 > 0 }, "\(dims): the ReLU should clip some values and pass others")
            }
        }
    }

    func testAddReLUMatchesAddThenReLU() throws {
        for dims in [[5], [3, 17], [2, 8, 9, 5]] {
            let a = try random(dims, requiresGrad: true), b = try random(dims, scale: 0.7, offset: 0.1, requiresGrad: true)
            let upstream = try random(dims, scale: 2)
            try (a.addingReLU(b) * upstream).sum().backward()
            let fused = [try a.addingReLU(b), a.grad!, b.grad!]
            a.zeroGrad()
            b.zeroGrad()
            try ((a + b).relu() * upstream).sum().backward()
            XCTAssertEqual(fused[0].toArray(), try (a + b).relu().toArray(), "\(dims) output")
            XCTAssertEqual(fused[1].toArray(), a.grad!.toArray(), "\(dims) a.grad")
            XCTAssertEqual(fused[2].toArray(), b.grad!.toArray(), "\(dims) b.grad")
        }
        // Broadcasting shapes take the unfused ops and still work.
        let a = try random([4, 3], requiresGrad: true), b = try random([3])
        XCTAssertEqual(try a.addingReLU(b).toArray(), try (a + b).relu().toArray())
    }

    /// The ReLU's gradient passes exactly where the output is positive (0 at x = 0, as torch).
    func testReLUGradientFromOutput() throws {
        let x = try Tensor([-2, -0.0, 0, 1e-30, 3, -1e-30], shape: [6], requiresGrad: true)
        try (x.relu() * Tensor([1, 2, 3, 4, 5, 6], shape: [6])).sum().backward()
        XCTAssertEqual(x.grad?.toArray(), [0, 0, 0, 4, 5, 0])
    }

    /// Sums of many elements (split into pieces over cores, added in SIMD lanes) against the
    /// Double sum of the same floats: within 1e-6 of the sum of magnitudes, far below what a
    /// sequential float sum of 10^6 terms can promise (~6e-2 relative in the worst case).
    func testLongSumsAgainstDoubleReference() throws {
        for dims in [[1_000_003], [3, 200_001], [2, 70_000, 3], [5, 3_000], [70_000, 2]] {
            let x = try random(dims, scale: 1, offset: 0.25)
            let values = x.toArray()
            for axes in [[]] + (0..<dims.count).map({ [$0] }) {
                let s = try x.sum(axes: axes).toArray()
                // Reference: the same reduction in Double.
                let reduced = axes.isEmpty ? Set(0..<dims.count) : Set(axes)
                var outDims = dims
                for a in reduced { outDims[a] = 1 }
                var reference = [Double](repeating: 0, count: outDims.reduce(1, *))
                var magnitude = reference
                let strides = Shape(dims).strides, outStrides = Shape(outDims).strides
                for (i, v) in values.enumerated() {
                    var o = 0
                    for d in 0..<dims.count where !reduced.contains(d) { o += (i / strides[d] % dims[d]) * outStrides[d] }
                    reference[o] += Double(v)
                    magnitude[o] += Double(Swift.abs(v))
                }
                XCTAssertEqual(s.count, reference.count, "\(dims) axes \(axes)")
                for (k, (a, r)) in zip(s, reference).enumerated() {
                    XCTAssertLessThanOrEqual(Swift.abs(Double(a) - r), 1e-6 * magnitude[k] + 1e-6, "\(dims) axes \(axes) output \(k)")
                }
            }
        }
    }

    /// The undilated max pool's row-then-column paths (forward and backward) against a direct
    /// window scan: NaNs (the last in row-major order wins, as torch), -inf, many ties (values on a
    /// coarse grid: the first maximum in row-major order takes the gradient, as torch),
    /// padding and ceil mode, on rows wider and narrower than 16 floats.
    func testUndilatedMaxPoolAgainstWindowScan() throws {
        for (h, w) in [(11, 9), (7, 37)] {
            for (kernel, stride, padding, ceil) in [(3, 2, 1, false), (3, 2, 1, true), (2, 2, 0, true), (3, 1, 1, false)] {
                var values = try random([2, 3, h, w]).toArray().map { ($0 * 3).rounded() / 3 }
                values[5] = .nan
                values[6] = .nan
                values[h * w + 3] = -.infinity
                values[2 * h * w + w + 2] = .nan
                let x = try Tensor(values, shape: [2, 3, h, w], requiresGrad: true)
                let y = try x.maxPool2d(kernel: (kernel, kernel), stride: (stride, stride), padding: (padding, padding), ceilMode: ceil)
                let (oh, ow) = (y.shape[2], y.shape[3])
                let upstream = (0..<y.count).map { Float($0 % 7 + 1) }
                try y.backward(gradient: try Tensor(upstream, shape: y.shape))
                let out = y.toArray(), grad = x.grad!.toArray()
                var expectedGrad = [Float](repeating: 0, count: values.count)
                for p in 0..<6 {
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            var best = -Float.infinity, at = -1
                            for i in 0..<kernel {
                                for j in 0..<kernel {
                                    let r = oy * stride - padding + i, c = ox * stride - padding + j
                                    guard r >= 0, r < h, c >= 0, c < w else { continue }
                                    let k = p * h * w + r * w + c, v = values[k]
                                    if at < 0 || v.isNaN || v > best { (best, at) = (v, k) }  // torch's rule
                                }
                            }
                            let o = (p * oh + oy) * ow + ox
                            if at >= 0 { expectedGrad[at] += upstream[o] }
                            let got = out[o]
                            if best.isNaN {
                                XCTAssertTrue(got.isNaN, "\(h)x\(w) k\(kernel) s\(stride) plane \(p) (\(oy), \(ox)): \(got), expected NaN")
                            } else {
                                XCTAssertEqual(got, best, "\(h)x\(w) k\(kernel) s\(stride) plane \(p) (\(oy), \(ox))")
                            }
                        }
                    }
                }
                XCTAssertEqual(grad, expectedGrad, "\(h)x\(w) k\(kernel) s\(stride) p\(padding) ceil \(ceil): gradient")
            }
        }
    }

    /// The small-window average pool's row-then-column paths (forward and backward) against a
    /// direct window scan with torch's divisors: count_include_pad both ways, ceil mode (a last
    /// window hanging over the edge), padding, rows wider and narrower than 16 floats.
    func testSmallAveragePoolAgainstWindowScan() throws {
        for (h, w) in [(9, 7), (6, 37)] {
            for (kernel, stride, padding, ceil, include) in [
                (2, 2, 0, true, false), (3, 2, 1, false, true), (3, 2, 1, true, false),
                (3, 1, 1, false, false), (4, 3, 1, true, true),
            ] {
                let values = try random([2, 2, h, w]).toArray()
                let x = try Tensor(values, shape: [2, 2, h, w], requiresGrad: true)
                let y = try x.avgPool2d(
                    kernel: (kernel, kernel), stride: (stride, stride), padding: (padding, padding),
                    ceilMode: ceil, countIncludePad: include)
                let (oh, ow) = (y.shape[2], y.shape[3])
                let upstream = (0..<y.count).map { Float($0 % 5) - 1.5 }
                try y.backward(gradient: try Tensor(upstream, shape: y.shape))
                let out = y.toArray(), grad = x.grad!.toArray()
                var expectedGrad = [Double](repeating: 0, count: values.count)
                for p in 0..<4 {
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            let r0 = oy * stride - padding, c0 = ox * stride - padding
                            let r1 = Swift.min(r0 + kernel, h + padding), c1 = Swift.min(c0 + kernel, w + padding)
                            let padded = (r1 - r0) * (c1 - c0)
                            let rows = Swift.max(r0, 0)..<Swift.min(r1, h), cols = Swift.max(c0, 0)..<Swift.min(c1, w)
                            let divisor = Double(include ? padded : rows.count * cols.count)
                            var sum = 0.0
                            for r in rows { for c in cols { sum += Double(values[p * h * w + r * w + c]) } }
                            let o = (p * oh + oy) * ow + ox
                            XCTAssertEqual(Double(out[o]), sum / divisor, accuracy: 1e-6, "\(h)x\(w) k\(kernel) s\(stride) (\(oy), \(ox))")
                            for r in rows { for c in cols { expectedGrad[p * h * w + r * w + c] += Double(upstream[o]) / divisor } }
                        }
                    }
                }
                for (a, b) in zip(grad, expectedGrad) {
                    XCTAssertEqual(Double(a), b, accuracy: 1e-5, "\(h)x\(w) k\(kernel) s\(stride) p\(padding) ceil \(ceil): gradient")
                }
            }
        }
    }

    /// bf16 convolutions (inference on AVX-512 BF16): within the error of rounding both inputs
    /// to bf16 (each product off by at most 2 x 2^-8 of |x||w|, so |error| <= 0.008 x the
    /// convolution of |x| with |w|), and really in bf16 (not equal to float32). On a CPU
    /// without bf16 the scope changes nothing.
    func testBFloat16ConvolutionsAgainstFloat32() throws {
        let x = try random([2, 16, 12, 10], scale: 2), w = try random([32, 16, 3, 3], scale: 0.5)
        let reference = try x.conv2d(weight: w, padding: (1, 1)).toArray()
        let low = try CPUBackend.withBFloat16Convolutions { try x.conv2d(weight: w, padding: (1, 1)) }.toArray()
        guard CPUBackend.hasBFloat16Convolutions else {
            XCTAssertEqual(low, reference, "without bf16 hardware the scope must leave convolutions in float32")
            return
        }
        let bound = try x.abs().conv2d(weight: w.abs(), padding: (1, 1)).toArray()
        var worst: Float = 0
        for (i, (a, b)) in zip(low, reference).enumerated() {
            XCTAssertLessThanOrEqual(Swift.abs(a - b), 0.008 * bound[i] + 1e-6, "output \(i)")
            worst = Swift.max(worst, Swift.abs(a - b))
        }
        XCTAssertGreaterThan(worst, 0, "the bf16 scope ran the float32 kernel")
        // Gradients stay float32 inside the scope.
        let xg = try Tensor(x.toArray(), shape: x.shape, requiresGrad: true)
        try CPUBackend.withBFloat16Convolutions { try xg.conv2d(weight: w, padding: (1, 1)).sum().backward() }
        XCTAssertNotNil(xg.grad)
    }

    /// Dimension merging for strided loops: neighbours merge only where every operand walks
    /// them as one; broadcasts over [C, 1, 1]-shaped operands (split attention) still agree with
    /// an element-by-element computation.
    func testCollapsedDimensionsAndBroadcastProducts() throws {
        XCTAssertTrue(CPUBackend.collapsed([2, 1, 3, 4], [[12, 12, 4, 1], [0, 0, 0, 0]]) == ([24], [[1], [0]]))
        XCTAssertTrue(CPUBackend.collapsed([2, 3, 4], [[12, 4, 1], [3, 1, 0]]) == ([6, 4], [[4, 1], [1, 0]]))
        XCTAssertTrue(CPUBackend.collapsed([2, 3, 4], [[1, 2, 6], [12, 4, 1]]) == ([2, 3, 4], [[1, 2, 6], [12, 4, 1]]))
        XCTAssertTrue(CPUBackend.collapsed([1, 1], [[0, 0]]) == ([1], [[0]]))
        let a = try random([2, 2, 3, 5, 4]), b = try random([2, 2, 3, 1, 1], offset: 0.5)
        for (name, y) in [("mul", try a * b), ("add", try a + b), ("div", try a / b), ("sub", try b - a)] {
            let av = a.toArray(), bv = b.toArray(), out = y.toArray()
            for i in 0..<av.count {
                let j = i / 20
                let expected: Float =
                    switch name {
                    case "mul": av[i] * bv[j]
                    case "add": av[i] + bv[j]
                    case "div": av[i] / bv[j]
                    default: bv[j] - av[i]
                    }
                XCTAssertEqual(out[i], expected, "\(name) element \(i)")
            }
        }
        // A permuted copy walks merged rows too.
        let x = try random([3, 4, 5])
        let p = try x.permuted([1, 0, 2]).toArray(), xv = x.toArray()
        for i in 0..<4 { for k in 0..<3 { for m in 0..<5 { XCTAssertEqual(p[(i * 3 + k) * 5 + m], xv[(k * 4 + i) * 5 + m]) } } }
    }

    /// The gradient of a full sum (a broadcast of one value) fills the input's shape.
    func testFullSumGradientIsAFill() throws {
        let x = try random([3, 40, 7], requiresGrad: true)
        try (x.sum() * 2.5).backward()
        XCTAssertEqual(x.grad?.toArray(), [Float](repeating: 2.5, count: 840))
    }
}

/// A small seeded generator (SplitMix64), so the test data are the same on every run.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
