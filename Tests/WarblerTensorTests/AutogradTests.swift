// Autograd behaviour: accumulation, no-grad mode, clear errors, and finite differences on a
// composite function.
import Foundation
import WarblerTensor
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
