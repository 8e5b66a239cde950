// The op fixtures of tools/fixtures/ops.py (PyTorch 2.11, CPU, float32) as a check any test
// target can run on any device: every op's forward output and input gradients, one table entry
// per op, each case a directory of arrays. WarblerTensorTests run it on the CPU and on the
// ReferenceBackend, WarblerCUDATests on every CUDA device.
//
// Tolerances: values atol 1e-5 + rtol 1e-5 (float32 rounding of a few operations; PyTorch
// may sum in another order), gradients atol 2e-5 + rtol 1e-4 (one more chain of roundings).
import Foundation
import WarblerIO
import WarblerTensor
import XCTest

public enum OpFixtures {
    public typealias Params = [String: Any]

    /// The op under test, applied to the case's inputs.
    public static func apply(_ op: String, _ x: [Tensor], _ p: Params) throws -> Tensor {
        func axes() -> [Int] { p["axes"] as! [Int] }
        func keep() -> Bool { p["keep"] as! Bool }
        func float(_ k: String) -> Float { Float(p[k] as! Double) }
        switch op {
        case "add": return try x[0] + x[1]
        case "sub": return try x[0] - x[1]
        case "mul": return try x[0] * x[1]
        case "div": return try x[0] / x[1]
        case "maximum": return try x[0].maximum(x[1])
        case "neg": return -x[0]
        case "exp": return x[0].exp()
        case "log": return x[0].log()
        case "sqrt": return x[0].sqrt()
        case "abs": return x[0].abs()
        case "relu": return x[0].relu()
        case "sigmoid": return x[0].sigmoid()
        case "tanh": return x[0].tanh()
        case "square": return x[0].square()
        case "pow": return x[0].pow(float("p"))
        case "clamp": return x[0].clamped(min: (p["lo"] as? Double).map(Float.init), max: (p["hi"] as? Double).map(Float.init))
        case "scale": return x[0] * float("s")
        case "add_scalar": return x[0] + float("s")
        case "sum": return try x[0].sum(axes: axes(), keepingDims: keep())
        case "mean": return try x[0].mean(axes: axes(), keepingDims: keep())
        case "max": return try x[0].max(axes: axes(), keepingDims: keep())
        case "permute": return try x[0].permuted(p["order"] as! [Int])
        case "transpose": return try x[0].transposed(p["a"] as! Int, p["b"] as! Int)
        case "reshape": return try x[0].reshaped(p["shape"] as! [Int])
        case "slice": return try x[0].sliced(p["axis"] as! Int, (p["start"] as! Int)..<(p["end"] as! Int))
        case "unsqueeze": return try x[0].unsqueezed(p["axis"] as! Int)
        case "squeeze": return try x[0].squeezed(p["axis"] as! Int)
        case "expand": return try x[0].expanded(to: Shape(p["shape"] as! [Int]))
        case "concat": return try Tensor.concatenated(x, axis: p["axis"] as! Int)
        case "repeat_interleave": return try x[0].repeatedInterleave(p["times"] as! Int, axis: p["axis"] as! Int)
        case "matmul": return try x[0].matmul(x[1])
        case "linear": return try x[0].linear(weight: x[1], bias: x.count > 2 ? x[2] : nil)
        case "softmax": return try x[0].softmax(axis: p["axis"] as! Int)
        case "log_softmax": return try x[0].logSoftmax(axis: p["axis"] as! Int)
        case "bce": return try x[0].binaryCrossEntropy(target: x[1])
        case "bce_logits": return try x[0].binaryCrossEntropy(logitsTarget: x[1])
        case "interpolate_linear":
            return try x[0].interpolatedLinear(
                size: p["size"] as! Int, axis: p["axis"] as! Int,
                alignCorners: p["align_corners"] as! Bool)
        default: throw TensorError(op, "no test mapping")
        }
    }

    static func tensor(_ a: NPYArray, device: Device, requiresGrad: Bool = false) throws -> Tensor {
        try Tensor(a.floats(), shape: Shape(a.shape), device: device, requiresGrad: requiresGrad)
    }

    /// Runs every op fixture with its tensors on `device` and asserts each output and gradient;
    /// returns the number of cases run.
    @discardableResult
    public static func check(on device: Device, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let cases = try Fixtures.json("ops/cases.json", script: "ops.py") as! [String: Params]
        for (name, p) in cases.sorted(by: { $0.key < $1.key }) {
            let op = p["op"] as! String
            let n = p["inputs"] as! Int
            let gradInputs = Set(p["grads"] as! [Int])
            let dir = "ops/\(name)/"
            let inputs = try (0..<n).map { i in
                try tensor(try Fixtures.array(dir + "in\(i).npy", script: "ops.py"), device: device, requiresGrad: gradInputs.contains(i))
            }
            let out = try apply(op, inputs, p)
            XCTAssertEqual(out.device, device, "\(name): output device", file: file, line: line)
            let ref = try Fixtures.array(dir + "out.npy", script: "ops.py")
            XCTAssertEqual(out.shape.dims, ref.shape, "\(name) on \(device): output shape", file: file, line: line)
            guard out.shape.dims == ref.shape else { continue }
            let dv = compare(out.toArray(), ref.floats(), atol: 1e-5, rtol: 1e-5)
            XCTAssertEqual(dv.violations, 0, "\(name) forward on \(device): \(dv)", file: file, line: line)
            try out.backward(gradient: tensor(try Fixtures.array(dir + "gout.npy", script: "ops.py"), device: device))
            for i in gradInputs.sorted() {
                let refGrad = try Fixtures.array(dir + "gin\(i).npy", script: "ops.py")
                guard let g = inputs[i].grad else {
                    XCTFail("\(name) on \(device): no gradient for input \(i)", file: file, line: line)
                    continue
                }
                XCTAssertEqual(g.shape.dims, refGrad.shape, "\(name) on \(device): gradient \(i) shape", file: file, line: line)
                let dg = compare(g.toArray(), refGrad.floats(), atol: 2e-5, rtol: 1e-4)
                XCTAssertEqual(dg.violations, 0, "\(name) gradient \(i) on \(device): \(dg)", file: file, line: line)
            }
        }
        return cases.count
    }
}
