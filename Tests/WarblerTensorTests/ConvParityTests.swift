// conv2d/conv1d, max/avg/adaptive pooling and batch norm against PyTorch 2.11 (CPU, float32) on
// the fixtures of tools/fixtures/conv.py: forward output, the gradient of every input that takes
// one, and batch norm's running statistics after the call; plus central finite differences of
// a grouped, strided convolution.
//
// Tolerances (atol + rtol |reference|, rtol 1e-5 throughout):
// - Outputs and gradients that are sums of products (conv forward, conv input/weight/bias
//   gradients) differ from PyTorch's by rounding in a different accumulation order: OpenBLAS vs
//   oneDNN/MKL-DNN blocking. A float32 sum of L terms of size ~|t| has a rounding error of order
//   sqrt(L) eps |t| typically and L eps |t| at worst (eps = 1.2e-7); the inputs here are in
//   [-1, 1], so atol = 1e-6 * L (about 8 eps per term, well above the typical and at the worst
//   case) with L the reduction length of that array: C/groups kH kW for the output, O/groups
//   kH kW for the input gradient, N H' W' for the weight gradient and bias, and a floor of 1e-5.
// - Pooling is a max (exact) or the mean of at most 35 numbers in [-1, 1]: atol 1e-6.
// - Batch norm: PyTorch computes y = x * a + (b - mean * a), this engine (x - mean) * a + b
//   (a = w / std), and each rounds the batch mean to float32 from sums taken in a different
//   order, so the two means may differ by an ulp. With x around 10 and a standard deviation of
//   0.058 (the "offset" case, w up to 2) one ulp of the mean (9.5e-7) moves y by up to 3.3e-5:
//   atol 4e-5 for the output. The running statistics are a blend of those means and variances
//   (no division): atol 1e-5. The input gradient is a difference of channel sums over the
//   M = N x spatial values of a channel (up to 90): atol 1e-6 * M as for GEMMs, floor 1e-5.
import Foundation
import WarblerIO
import WarblerTensor
import WarblerTestSupport
import XCTest

final class ConvParityTests: XCTestCase {
    typealias Params = [String: Any]

    static func pair(_ p: Params, _ key: String) -> (Int, Int) {
        let v = p[key] as! [Int]
        return (v[0], v[1])
    }

    /// The op under test applied to the case's inputs.
    static func apply(_ op: String, _ x: [Tensor], _ p: Params) throws -> Tensor {
        let bias = x.count > 2 ? x[2] : nil
        switch op {
        case "conv2d":
            return try x[0].conv2d(
                weight: x[1], bias: bias, stride: pair(p, "stride"), padding: pair(p, "padding"),
                dilation: pair(p, "dilation"), groups: p["groups"] as! Int)
        case "conv1d":
            return try x[0].conv1d(
                weight: x[1], bias: bias, stride: p["stride"] as! Int, padding: p["padding"] as! Int,
                dilation: p["dilation"] as! Int, groups: p["groups"] as! Int)
        case "max_pool2d":
            return try x[0].maxPool2d(
                kernel: pair(p, "kernel"), stride: p["stride"] is NSNull ? nil : pair(p, "stride"),
                padding: pair(p, "padding"), dilation: pair(p, "dilation"), ceilMode: p["ceil"] as! Bool)
        case "avg_pool2d":
            return try x[0].avgPool2d(
                kernel: pair(p, "kernel"), stride: p["stride"] is NSNull ? nil : pair(p, "stride"),
                padding: pair(p, "padding"), ceilMode: p["ceil"] as! Bool,
                countIncludePad: p["include_pad"] as! Bool)
        case "max_pool1d":
            return try x[0].maxPool1d(
                kernel: p["kernel"] as! Int, stride: p["stride"] as? Int, padding: p["padding"] as! Int,
                ceilMode: p["ceil"] as! Bool)
        case "avg_pool1d":
            return try x[0].avgPool1d(
                kernel: p["kernel"] as! Int, stride: p["stride"] as? Int, padding: p["padding"] as! Int,
                ceilMode: p["ceil"] as! Bool, countIncludePad: p["include_pad"] as! Bool)
        case "adaptive_avg_pool2d": return try x[0].adaptiveAvgPool2d(pair(p, "size"))
        case "adaptive_avg_pool1d": return try x[0].adaptiveAvgPool1d(p["size"] as! Int)
        case "batch_norm":
            let affine = p["affine"] as! Bool
            return try x[0].batchNorm(
                runningMean: x[1], runningVar: x[2], weight: affine ? x[3] : nil, bias: affine ? x[4] : nil,
                training: p["training"] as! Bool, momentum: Float(p["momentum"] as! Double),
                eps: Float(p["eps"] as! Double))
        default: throw TensorError(op, "no test mapping")
        }
    }

    /// The absolute tolerance for `array` of case `op` (see the header): scaled by the length
    /// of the sum that produced it.
    static func atol(_ op: String, _ array: String, _ x: [Tensor], _ out: Tensor, _ p: Params) -> Float {
        func scaled(_ length: Int) -> Float { Swift.max(1e-5, 1e-6 * Float(length)) }
        switch op {
        case "conv2d", "conv1d":
            let w = x[1].shape.dims, y = out.shape.dims, groups = p["groups"] as! Int
            let taps = w.dropFirst(2).reduce(1, *)
            switch array {
            case "out": return scaled(w[1] * taps)
            case "gin0": return scaled(w[0] / groups * taps)
            default: return scaled(y[0] * y.dropFirst(2).reduce(1, *))  // weight and bias: N H' W'
            }
        case "batch_norm":
            let perChannel = x[0].count / x[0].shape[1]
            return array.hasPrefix("gin") ? scaled(perChannel) : array == "out" ? 4e-5 : 1e-5
        default:
            return 1e-6
        }
    }

    static func tensor(_ a: NPYArray, requiresGrad: Bool = false) throws -> Tensor {
        try Tensor(a.floats(), shape: Shape(a.shape), requiresGrad: requiresGrad)
    }

    func testEveryConvPoolAndNormOpMatchesPyTorch() throws {
        let cases = try Fixtures.json("conv/cases.json", script: "conv.py") as! [String: Params]
        XCTAssertGreaterThan(cases.count, 60)
        var worst: [String: (Float, String)] = [:]
        for (name, p) in cases.sorted(by: { $0.key < $1.key }) {
            let op = p["op"] as! String
            let gradInputs = Set(p["grads"] as! [Int])
            let dir = "conv/\(name)/"
            func load(_ file: String) throws -> NPYArray { try Fixtures.array(dir + file + ".npy", script: "conv.py") }
            let inputs = try (0..<(p["inputs"] as! Int)).map { i in
                try Self.tensor(try load("in\(i)"), requiresGrad: gradInputs.contains(i))
            }
            let out = try Self.apply(op, inputs, p)
            func check(_ actual: Tensor, _ file: String) throws {
                let ref = try load(file)
                XCTAssertEqual(actual.shape.dims, ref.shape, "\(name) \(file): shape")
                guard actual.shape.dims == ref.shape else { return }
                let tol = Self.atol(op, file, inputs, out, p)
                let d = compare(actual.toArray(), ref.floats(), atol: tol, rtol: 1e-5)
                XCTAssertEqual(d.violations, 0, "\(name) \(file) (atol \(tol)): \(d)")
                // Worst error as a fraction of the tolerance, per op and array.
                let key = "\(op) \(file)"
                if d.maxAbs / tol >= worst[key]?.0 ?? -1 { worst[key] = (d.maxAbs / tol, "\(d.maxAbs) in \(name)") }
            }
            try check(out, "out")
            // Extra arrays: batch norm's running statistics, updated in place by the call.
            for extra in p["extras"] as! [String] {
                try check(extra == "running_mean" ? inputs[1] : inputs[2], extra)
            }
            try out.backward(gradient: Self.tensor(try load("gout")))
            for i in gradInputs.sorted() {
                guard let g = inputs[i].grad else { XCTFail("\(name): no gradient for input \(i)"); continue }
                try check(g, "gin\(i)")
            }
            for i in 0..<inputs.count where !gradInputs.contains(i) {
                XCTAssertNil(inputs[i].grad, "\(name): input \(i) took no gradient in PyTorch")
            }
        }
        for (key, value) in worst.sorted(by: { $0.key < $1.key }) {
            print("worst \(key): \(value.1), \(value.0) of atol")
        }
    }

    /// Central differences of L = sum(R * y + y^2 / 2), y = conv2d(x, w, b) with groups 2,
    /// stride 2, padding 1 and dilation (1, 2), agree with autograd for x, w and b. L is quadratic
    /// in each input, so central differences are exact up to rounding and a large step keeps
    /// that rounding small; L is summed in Double.
    func testConv2dFiniteDifferences() throws {
        var rng = SplitMix(seed: 7)
        func values(_ n: Int) -> [Float] { (0..<n).map { _ in rng.uniform() } }
        let xs: Shape = [2, 4, 7, 6], ws: Shape = [6, 2, 3, 3], bs: Shape = [6]
        let xv = values(xs.count), wv = values(ws.count), bv = values(bs.count)
        func forward(_ x: [Float], _ w: [Float], _ b: [Float]) throws -> Tensor {
            try Tensor(x, shape: xs).conv2d(
                weight: Tensor(w, shape: ws), bias: Tensor(b, shape: bs), stride: (2, 2),
                padding: (1, 1), dilation: (1, 2), groups: 2)
        }
        let y0 = try forward(xv, wv, bv)
        let r = values(y0.count)
        func loss(_ x: [Float], _ w: [Float], _ b: [Float]) throws -> Double {
            let y = try forward(x, w, b).toArray()
            return zip(y, r).reduce(0.0) { $0 + Double($1.1) * Double($1.0) + 0.5 * Double($1.0) * Double($1.0) }
        }
        // Autograd: dL/dy = R + y.
        let x = try Tensor(xv, shape: xs, requiresGrad: true), w = try Tensor(wv, shape: ws, requiresGrad: true)
        let b = try Tensor(bv, shape: bs, requiresGrad: true)
        let y = try x.conv2d(weight: w, bias: b, stride: (2, 2), padding: (1, 1), dilation: (1, 2), groups: 2)
        try y.backward(gradient: Tensor(zip(r, y.toArray()).map { $0 + $1 }, shape: y.shape))
        let h: Float = 0.25
        func check(_ name: String, _ base: [Float], _ analytic: [Float], _ perturbed: ([Float]) throws -> Double) throws {
            var worst: Double = 0
            for i in 0..<base.count {
                var plus = base, minus = base
                plus[i] += h
                minus[i] -= h
                let numeric = (try perturbed(plus) - perturbed(minus)) / (2 * Double(h))
                worst = Swift.max(worst, Swift.abs(numeric - Double(analytic[i])))
                XCTAssertEqual(Double(analytic[i]), numeric, accuracy: 2e-3 * Swift.max(1, Swift.abs(numeric)), "\(name)[\(i)]")
            }
            print("finite differences: worst |diff| \(name) \(worst)")
        }
        try check("x", xv, x.grad!.toArray()) { try loss($0, wv, bv) }
        try check("weight", wv, w.grad!.toArray()) { try loss(xv, $0, bv) }
        try check("bias", bv, b.grad!.toArray()) { try loss(xv, wv, $0) }
    }

    /// A batch whose columns overflow one chunk (3 images of 12 x 128 x 128 under 3x3 taps
    /// unfold to 1.8M floats each, two per chunk) gives each image what it gets alone: the
    /// chunk offsets of the forward, input-gradient and weight-gradient passes line up.
    func testChunkedBatchMatchesImagesAlone() throws {
        var rng = SplitMix(seed: 3)
        let (n, c, h, w) = (3, 12, 128, 128)
        let xv = (0..<n * c * h * w).map { _ in rng.uniform() }
        let weight = try Tensor((0..<4 * 6 * 9).map { _ in rng.uniform() }, shape: [4, 6, 3, 3], requiresGrad: true)
        let gv = (0..<n * 4 * h * w).map { _ in rng.uniform() }
        let x = try Tensor(xv, shape: [n, c, h, w], requiresGrad: true)
        let y = try x.conv2d(weight: weight, padding: (1, 1), groups: 2)
        try y.backward(gradient: Tensor(gv, shape: y.shape))
        let batchWeightGrad = weight.grad!.toArray()
        weight.zeroGrad()
        let (yAll, gxAll) = (y.toArray(), x.grad!.toArray())
        let image = c * h * w, out = 4 * h * w
        for i in 0..<n {
            let xi = try Tensor(Array(xv[i * image..<(i + 1) * image]), shape: [1, c, h, w], requiresGrad: true)
            let yi = try xi.conv2d(weight: weight, padding: (1, 1), groups: 2)
            try yi.backward(gradient: Tensor(Array(gv[i * out..<(i + 1) * out]), shape: yi.shape))
            // The same GEMMs and unfolding per image: bit for bit.
            let dy = compare(yi.toArray(), Array(yAll[i * out..<(i + 1) * out]), atol: 0, rtol: 0)
            XCTAssertEqual(dy.violations, 0, "image \(i) output: \(dy)")
            let dx = compare(xi.grad!.toArray(), Array(gxAll[i * image..<(i + 1) * image]), atol: 0, rtol: 0)
            XCTAssertEqual(dx.violations, 0, "image \(i) input gradient: \(dx)")
        }
        // The weight gradient of the batch is the sum of the images' (accumulated into weight.grad).
        let d = compare(batchWeightGrad, weight.grad!.toArray(), atol: 1e-3, rtol: 1e-5)
        XCTAssertEqual(d.violations, 0, "weight gradient: \(d)")
    }

    func testMisuseNamesTheOpAndShapes() throws {
        let x = try Tensor.zeros([2, 4, 5, 5])
        XCTAssertThrowsError(try x.conv2d(weight: Tensor.zeros([3, 3, 3, 3]))) { e in
            XCTAssertTrue("\(e)".hasPrefix("conv2d: input [2, 4, 5, 5] and weight [3, 3, 3, 3]"), "\(e)")
        }
        XCTAssertThrowsError(try x.conv2d(weight: Tensor.zeros([6, 2, 3, 3]), groups: 3)) { e in
            XCTAssertTrue("\(e)".contains("3 groups"), "\(e)")
        }
        XCTAssertThrowsError(try x.conv2d(weight: Tensor.zeros([2, 4, 7, 7]))) { e in
            XCTAssertTrue("\(e)".contains("smaller than weight [2, 4, 7, 7]"), "\(e)")
        }
        XCTAssertThrowsError(try x.maxPool2d(kernel: (2, 2), padding: (2, 2))) { e in
            XCTAssertTrue("\(e)".hasPrefix("max_pool2d: padding"), "\(e)")
        }
        XCTAssertThrowsError(
            try Tensor.zeros([1, 3, 1, 1]).batchNorm(
                runningMean: .zeros([3]), runningVar: .ones([3]),
                weight: nil, bias: nil, training: true)
        ) { e in
            XCTAssertTrue("\(e)".contains("more than 1 value per channel"), "\(e)")
        }
        XCTAssertThrowsError(
            try x.batchNorm(
                runningMean: .zeros([3]), runningVar: .ones([4]), weight: nil, bias: nil,
                training: false)
        ) { e in
            XCTAssertTrue("\(e)".contains("running_mean of shape [3] for input [2, 4, 5, 5]"), "\(e)")
        }
    }
}

/// A tiny deterministic generator (SplitMix64) for reproducible test data.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}
