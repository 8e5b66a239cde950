// Autograd behaviour: accumulation, no-grad mode, clear errors, and finite differences on a
// composite function.
import Foundation
@testable import WarblerTensor
import XCTest

final class AutogradTests: XCTestCase {
    func testLeafGradientsAccumulateAcrossBackwardCalls() throws {
        let w = try Tensor([1, 2, 3], shape: [3], requiresGrad: true)
        for _ in 0..<2 { try (w * w).sum().backward() }
        XCTAssertEqual(w.grad?.toArray(), [4, 8, 12])  // 2 * (2w)
        w.zeroGrad()
        XCTAssertNil(w.grad)
    }

    func testNoGradModeKeepsNoGraph() throws {
        let w = try Tensor([1, 2], shape: [2], requiresGrad: true)
        let y = try GradMode.withoutGradients { try (w * w).sum() }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertThrowsError(try y.backward())
        XCTAssertTrue(try (w * w).sum().requiresGrad)
    }

    func testMismatchedShapesNameTheOpAndBothShapes() throws {
        let a = try Tensor.zeros([2, 3]), b = try Tensor.zeros([4, 5])
        XCTAssertThrowsError(try a + b) { e in
            XCTAssertEqual("\(e)", "add: shapes [2, 3] and [4, 5] cannot be broadcast together")
        }
        XCTAssertThrowsError(try a.matmul(b)) { e in
            XCTAssertTrue("\(e)".hasPrefix("matmul: shapes [2, 3] and [4, 5]"), "\(e)")
        }
        XCTAssertThrowsError(try a.reshaped(7, -1)) { e in XCTAssertTrue("\(e)".hasPrefix("reshape:"), "\(e)") }
        XCTAssertThrowsError(try a.sum(axes: [2])) { e in XCTAssertTrue("\(e)".contains("out of range"), "\(e)") }
        XCTAssertThrowsError(try Tensor([1, 2, 3], shape: [2, 2])) { e in XCTAssertTrue("\(e)".contains("do not fill"), "\(e)") }
        XCTAssertThrowsError(try Tensor.zeros([2], device: .cuda(0))) { e in XCTAssertTrue("\(e)".contains("not available"), "\(e)") }
    }

    /// A function used more than once in a graph gets the sum of its paths' gradients.
    func testSharedSubexpressions() throws {
        let x = try Tensor([0.5, -1.5], shape: [2], requiresGrad: true)
        let s = x.sigmoid()
        try (s * s + s).sum().backward()
        let xs = x.toArray()
        for i in 0..<2 {
            let sv = 1 / (1 + Foundation.exp(-xs[i]))
            XCTAssertEqual(x.grad!.toArray()[i], (2 * sv + 1) * sv * (1 - sv), accuracy: 1e-6)
        }
    }

    /// Central differences in float64 of a softmax -> linear -> BCE chain agree with autograd.
    func testFiniteDifferences() throws {
        var rng = SystemRandomNumberGenerator()
        let xv = (0..<12).map { _ in Float.random(in: -1...1, using: &rng) }
        let wv = (0..<12).map { _ in Float.random(in: -1...1, using: &rng) }
        let yv: [Float] = [1, 0, 1, 0, 0, 1]
        func loss(_ x: [Float]) throws -> (Tensor, Tensor) {
            let xt = try Tensor(x, shape: [2, 6], requiresGrad: true)
            let w = try Tensor(wv, shape: [6, 2])
            let p = try xt.softmax(axis: -1).matmul(w).reshaped(1, 4).sigmoid()
            let target = try Tensor(Array(yv.prefix(4)), shape: [1, 4])
            return (try p.binaryCrossEntropy(target: target), xt)
        }
        let (l, xt) = try loss(xv)
        try l.backward()
        let analytic = xt.grad!.toArray()
        let h: Float = 1e-2
        for i in 0..<xv.count {
            var plus = xv, minus = xv
            plus[i] += h
            minus[i] -= h
            let numeric = (try loss(plus).0.item() - loss(minus).0.item()) / (2 * h)
            XCTAssertEqual(analytic[i], numeric, accuracy: 2e-3, "element \(i)")
        }
    }
}

/// The CPU backend's caching allocator: a steady-state training step allocates nothing new.
final class HostMemoryPoolTests: XCTestCase {
    func testFreedBuffersAreReusedBySize() {
        let pool = HostMemoryPool(capacity: 1 << 20)
        let (a, size) = pool.allocate(bytes: 1000)
        XCTAssertEqual(size, 1024)
        XCTAssertEqual(Int(bitPattern: a) % 64, 0)
        pool.release(a, size: size)
        let (b, _) = pool.allocate(bytes: 1010)  // same 64-byte-rounded size
        XCTAssertEqual(a, b)
        XCTAssertEqual(pool.systemAllocationCount, 1)
        let (c, _) = pool.allocate(bytes: 5000)  // another size: a new buffer
        XCTAssertEqual(pool.systemAllocationCount, 2)
        pool.release(b, size: 1024)
        pool.release(c, size: 5056)
        XCTAssertEqual(pool.cachedByteCount, 1024 + 5056)
        pool.trim()
        XCTAssertEqual(pool.cachedByteCount, 0)
    }

    func testBuffersBeyondCapacityGoBackToTheSystem() {
        let pool = HostMemoryPool(capacity: 4096)
        let (a, sa) = pool.allocate(bytes: 4096)
        let (b, sb) = pool.allocate(bytes: 64)
        pool.release(a, size: sa)
        pool.release(b, size: sb)  // would exceed 4096 cached bytes
        XCTAssertEqual(pool.cachedByteCount, 4096)
        _ = pool.allocate(bytes: 64)
        XCTAssertEqual(pool.systemAllocationCount, 3)
    }

    func testGraphsAreFreedWhenTheLastTensorGoes() throws {
        let x = try Tensor([0.5, -1, 2], shape: [3], requiresGrad: true)
        for op in ["exp", "sqrt", "sigmoid", "tanh", "maximum", "softmax"] {
            weak var weakY: Tensor?
            try {
                let y: Tensor
                switch op {
                case "exp": y = x.exp()
                case "sqrt": y = x.abs().sqrt()
                case "sigmoid": y = x.sigmoid()
                case "tanh": y = x.tanh()
                case "maximum": y = try x.maximum(Tensor(scalar: 0))
                default: y = try x.softmax(axis: 0)
                }
                weakY = y
                XCTAssertNotNil(weakY)
            }()
            XCTAssertNil(weakY, "\(op): its output outlived every reference to it (a reference cycle through its graph node)")
        }
    }

    /// The graph keeps an intermediate tensor's values only when a backward needs them: after
    /// `z.relu()`, `a + b`, `s.sum()`, `t.mean()`, `concatenate` or `c * 3`, the intermediate's
    /// storage goes with its last outside reference, while the graph stays usable.
    func testGraphKeepsOnlyTheValuesItsGradientsNeed() throws {
        let x = try Tensor([0.5, -1, 2, -3], shape: [4], requiresGrad: true)
        for op in ["relu", "add", "sum", "mean", "concatenate", "scale", "reshape"] {
            x.zeroGrad()
            weak var intermediate: Storage?
            let loss: Tensor = try {
                let z = x * 2  // interior; its storage must not outlive this scope
                intermediate = z.storage
                switch op {
                case "relu": return try z.relu().sum()
                case "add": return try (z + x).sum()
                case "sum": return try z.sum()
                case "mean": return try z.mean() * 4
                case "concatenate": return try Tensor.concatenated([z, x], axis: 0).sum(axes: [0])
                case "scale": return try (z * 3).sum()
                default: return try z.reshaped(2, 2).sum()
                }
            }()
            if op == "reshape" {
                // A reshape is a view of the same storage, which its graph node does not keep either.
                XCTAssertNil(intermediate, "reshape: the view's storage outlived it")
            } else {
                XCTAssertNil(intermediate, "\(op): the graph kept an intermediate whose values its backward does not need")
            }
            try loss.backward()
            let expected: [Float] =
                switch op {
                case "relu": [2, 0, 2, 0]
                case "add", "concatenate": [3, 3, 3, 3]
                case "scale": [6, 6, 6, 6]
                default: [2, 2, 2, 2]
                }
            XCTAssertEqual(x.grad?.toArray(), expected, op)
        }
        // A product keeps the operand the other one's gradient needs.
        let w = try Tensor([1, 2], shape: [2], requiresGrad: true)
        weak var kept: Storage?
        let y: Tensor = try {
            let v = try Tensor([3, 4], shape: [2]) * 1  // no gradient needed; w's gradient reads it
            kept = v.storage
            return try (w * v).sum()
        }()
        XCTAssertNotNil(kept)
        try y.backward()
        XCTAssertEqual(w.grad?.toArray(), [3, 4])
    }

    func testSteadyStateTrainingStepMakesNoSystemAllocation() throws {
        // conv - batch norm - ReLU - BCE, forward and backward, then an SGD-style update.
        let x = try Tensor((0..<2 * 3 * 9 * 7).map { Float($0 % 11) / 11 - 0.5 }, shape: [2, 3, 9, 7])
        let w = try Tensor((0..<4 * 3 * 3 * 3).map { Float($0 % 7) / 7 - 0.5 }, shape: [4, 3, 3, 3], requiresGrad: true)
        let gamma = try Tensor.ones([4], requiresGrad: true), beta = try Tensor.zeros([4], requiresGrad: true)
        let mean = try Tensor.zeros([4]), variance = try Tensor.ones([4])
        let target = try Tensor.full([2, 4, 9, 7], value: 0.5)
        func step() throws {
            for t in [w, gamma, beta] { t.zeroGrad() }
            // Every op whose gradient needs its own output (sigmoid, tanh, exp, sqrt, maximum):
            // a graph that holds itself is never freed, and each step would allocate anew.
            let y = try x.conv2d(weight: w, padding: (1, 1))
                .batchNorm(runningMean: mean, runningVar: variance, weight: gamma, bias: beta, training: true)
                .relu().tanh().exp().sqrt().maximum(Tensor(scalar: 1.1)).sigmoid()
            try y.binaryCrossEntropy(target: target).backward()
            try GradMode.withoutGradients {
                for t in [w, gamma, beta] { try t.copy(from: t - t.grad! * 0.1) }
            }
        }
        let pool = Backends.cpu.pool
        try step()
        try step()
        let before = pool.systemAllocationCount
        try step()
        XCTAssertEqual(pool.systemAllocationCount, before, "a steady-state step allocated new buffers")
    }
}

final class TensorDeviceTests: XCTestCase {
    func testMovingOnTheSameDeviceKeepsTheTensorAndRefusesNonLeaves() throws {
        let w = try Tensor([1, 2, 3], shape: [3], requiresGrad: true)
        try w.move(to: .cpu)
        XCTAssertEqual(w.toArray(), [1, 2, 3])
        XCTAssertTrue(try w.on(.cpu) === w)
        let y = try w * w
        XCTAssertThrowsError(try y.move(to: .cuda(0))) { XCTAssertTrue("\($0)".contains("only leaf tensors"), "\($0)") }
        // Without a CUDA backend the move is refused with the device's sentence, and nothing changes.
        if (try? Backends.backend(for: .cuda(0))) == nil {
            XCTAssertThrowsError(try w.move(to: .cuda(0)))
            XCTAssertEqual(w.device, .cpu)
        }
    }
}
