// The convolution, batch-norm, pooling and container layers: PyTorch's keys (Sequential indices,
// BatchNorm's buffers), PyTorch's initialisation ranges, that each layer computes exactly its
// functional op (the ops themselves are checked against PyTorch in WarblerTensorTests), the
// training flag of BatchNorm, and clear errors for bad shapes.
import Foundation
import WarblerNN
import WarblerTensor
import XCTest

final class LayerTests: XCTestCase {
    func testSequentialKeysFollowTorch() throws {
        var rng = SeededGenerator(seed: 1)
        let stem = Sequential([
            try Conv2d(inputChannels: 1, outputChannels: 4, kernelSize: 3, stride: 2, padding: 1, bias: false, generator: &rng),
            try BatchNorm2d(channels: 4), ReLU(),
            try Conv2d(inputChannels: 4, outputChannels: 6, kernelSize: 1, generator: &rng),
        ])
        XCTAssertEqual(stem.parameters().map(\.0), ["0.weight", "1.weight", "1.bias", "3.weight", "3.bias"])
        XCTAssertEqual(stem.buffers().map(\.0), ["1.running_mean", "1.running_var", "1.num_batches_tracked"])
        XCTAssertEqual(Set(stem.stateDict().keys).count, 8)
        let y = try stem(try Tensor.zeros([2, 1, 9, 7]))
        XCTAssertEqual(y.shape, [2, 6, 5, 4])
    }

    func testConvInitialisationRangeAndForward() throws {
        var rng = SeededGenerator(seed: 2)
        let conv = try Conv2d(
            inputChannels: 6, outputChannels: 4, kernelSize: (3, 2), stride: (2, 1), padding: (1, 0),
            groups: 2, generator: &rng)
        XCTAssertEqual(conv.weight.shape, [4, 3, 3, 2])
        let bound = 1 / Float(3 * 3 * 2).squareRoot()
        XCTAssertTrue(conv.weight.toArray().allSatisfy { abs($0) <= bound })
        XCTAssertTrue(conv.bias!.toArray().allSatisfy { abs($0) <= bound })
        XCTAssertGreaterThan(conv.weight.toArray().map(abs).max()!, 0.8 * bound, "the full range is used")
        let x = try Init.uniform([2, 6, 7, 5], bound: 1, generator: &rng)
        let expected = try x.conv2d(weight: conv.weight, bias: conv.bias, stride: (2, 1), padding: (1, 0), groups: 2)
        XCTAssertEqual(try conv(x).toArray(), expected.toArray())
        let c1 = try Conv1d(inputChannels: 4, outputChannels: 3, kernelSize: 1, generator: &rng)
        XCTAssertEqual(c1.weight.shape, [3, 4, 1])
        XCTAssertEqual(try c1(try Tensor.zeros([2, 4, 5])).shape, [2, 3, 5])
        XCTAssertThrowsError(try Conv2d(inputChannels: 5, outputChannels: 4, kernelSize: 3, groups: 2, generator: &rng))
        XCTAssertThrowsError(try conv(try Tensor.zeros([2, 5, 7, 5])))
    }

    func testBatchNormModesAndStatistics() throws {
        var rng = SeededGenerator(seed: 3)
        let bn = try BatchNorm2d(channels: 3)
        let x = try Init.uniform([4, 3, 2, 5], bound: 2, generator: &rng)
        let mean = try Tensor.zeros([3]), variance = try Tensor.ones([3])
        let expected = try x.batchNorm(runningMean: mean, runningVar: variance, weight: bn.weight, bias: bn.bias, training: true)
        XCTAssertEqual(try bn(x).toArray(), expected.toArray())
        XCTAssertEqual(bn.runningMean.toArray(), mean.toArray(), "running statistics updated as the op does")
        XCTAssertNotEqual(bn.runningMean.toArray(), [0, 0, 0])
        bn.eval()
        let before = bn.runningVar.toArray()
        let evalExpected = try x.batchNorm(
            runningMean: bn.runningMean, runningVar: bn.runningVar, weight: bn.weight,
            bias: bn.bias, training: false)
        XCTAssertEqual(try bn(x).toArray(), evalExpected.toArray())
        XCTAssertEqual(bn.runningVar.toArray(), before, "eval leaves the statistics alone")
        XCTAssertThrowsError(try bn(try Tensor.zeros([4, 3, 5])))
    }

    func testPoolingLayers() throws {
        var rng = SeededGenerator(seed: 4)
        let x = try Init.uniform([1, 2, 7, 5], bound: 1, generator: &rng)
        let avg = AvgPool2d(kernel: 2, stride: 2, ceilMode: true, countIncludePad: false)
        XCTAssertEqual(
            try avg(x).toArray(),
            try x.avgPool2d(kernel: (2, 2), stride: (2, 2), ceilMode: true, countIncludePad: false).toArray())
        XCTAssertEqual(try avg(x).shape, [1, 2, 4, 3])
        let max = MaxPool2d(kernel: 3, stride: 2, padding: 1)
        XCTAssertEqual(try max(x).toArray(), try x.maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)).toArray())
        XCTAssertEqual(try Identity()(x).toArray(), x.toArray())
        XCTAssertEqual(try ReLU()(x).toArray(), x.toArray().map { Swift.max($0, 0) })
    }
}
