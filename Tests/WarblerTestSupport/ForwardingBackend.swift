// A backend that hands every primitive to another one: tests subclass it to change one primitive
// (a deliberately broken one, or a composed default in place of a backend's own) and run
// everything else as the wrapped backend does.
import WarblerTensor

open class ForwardingBackend: Backend, @unchecked Sendable {
    public let base: Backend

    public init(_ base: Backend) { self.base = base }

    open var device: Device { base.device }
    open func allocate(_ count: Int) -> Storage { base.allocate(count) }
    open func copy(from host: UnsafeBufferPointer<Float>, to storage: Storage) { base.copy(from: host, to: storage) }
    open func copy(from storage: Storage, to host: UnsafeMutableBufferPointer<Float>) { base.copy(from: storage, to: host) }
    open func fill(_ storage: Storage, with value: Float) { base.fill(storage, with: value) }

    open func unary(_ op: UnaryOp, _ x: Storage, into out: Storage) { base.unary(op, x, into: out) }
    open func binary(
        _ op: BinaryOp, _ a: Storage, strides aStrides: [Int], _ b: Storage, strides bStrides: [Int], shape: Shape,
        into out: Storage
    ) {
        base.binary(op, a, strides: aStrides, b, strides: bStrides, shape: shape, into: out)
    }
    open func reduce(_ op: ReduceOp, _ x: Storage, shape: Shape, axes: Set<Int>, into out: Storage, indices: UnsafeMutablePointer<Int>?) {
        base.reduce(op, x, shape: shape, axes: axes, into: out, indices: indices)
    }
    open func gather(_ x: Storage, offset: Int, strides: [Int], shape: Shape, into out: Storage) {
        base.gather(x, offset: offset, strides: strides, shape: shape, into: out)
    }
    open func scatterAdd(_ x: Storage, shape: Shape, into out: Storage, offset: Int, strides: [Int]) {
        base.scatterAdd(x, shape: shape, into: out, offset: offset, strides: strides)
    }
    open func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: Storage, aOffset: Int, aBatchStride: Int,
        b: Storage, bOffset: Int, bBatchStride: Int, beta: Float, c: Storage, cOffset: Int, cBatchStride: Int, batch: Int
    ) {
        base.gemm(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, aOffset: aOffset, aBatchStride: aBatchStride,
            b: b, bOffset: bOffset, bBatchStride: bBatchStride, beta: beta, c: c, cOffset: cOffset, cBatchStride: cBatchStride,
            batch: batch)
    }

    open func im2col(_ x: Storage, offset: Int, images: Int, channels: Int, window: Window2d, into cols: Storage) {
        base.im2col(x, offset: offset, images: images, channels: channels, window: window, into: cols)
    }
    open func col2im(_ cols: Storage, images: Int, channels: Int, window: Window2d, into x: Storage, offset: Int) {
        base.col2im(cols, images: images, channels: channels, window: window, into: x, offset: offset)
    }
    open func maxPool2d(_ x: Storage, planes: Int, window: Window2d, into out: Storage) {
        base.maxPool2d(x, planes: planes, window: window, into: out)
    }
    open func maxPool2dBackward(_ gradOutput: Storage, _ x: Storage, planes: Int, window: Window2d, into gradInput: Storage) {
        base.maxPool2dBackward(gradOutput, x, planes: planes, window: window, into: gradInput)
    }
    open func avgPool2d(_ x: Storage, planes: Int, window: Window2d, countIncludePad: Bool, into out: Storage) {
        base.avgPool2d(x, planes: planes, window: window, countIncludePad: countIncludePad, into: out)
    }
    open func avgPool2dBackward(_ gradOutput: Storage, planes: Int, window: Window2d, countIncludePad: Bool, into gradInput: Storage) {
        base.avgPool2dBackward(gradOutput, planes: planes, window: window, countIncludePad: countIncludePad, into: gradInput)
    }
    open func channelMoments(_ x: Storage, outer: Int, channels: Int, inner: Int, mean: Storage, variance: Storage) {
        base.channelMoments(x, outer: outer, channels: channels, inner: inner, mean: mean, variance: variance)
    }
    open func channelAffine(
        _ x: Storage, outer: Int, channels: Int, inner: Int, center: Storage?, scale: Storage, shift: Storage?,
        accumulate: Bool, into out: Storage
    ) {
        base.channelAffine(
            x, outer: outer, channels: channels, inner: inner, center: center, scale: scale, shift: shift,
            accumulate: accumulate, into: out)
    }
    open func channelGradientSums(
        _ g: Storage, _ x: Storage, center: Storage, outer: Int, channels: Int, inner: Int,
        sum: Storage, dot: Storage
    ) {
        base.channelGradientSums(g, x, center: center, outer: outer, channels: channels, inner: inner, sum: sum, dot: dot)
    }

    open func conv2dForward(_ x: Storage, weight: Storage, bias: Storage?, geometry: Conv2dGeometry, into out: Storage) {
        base.conv2dForward(x, weight: weight, bias: bias, geometry: geometry, into: out)
    }
    open func conv2dBackwardData(_ gradOutput: Storage, weight: Storage, geometry: Conv2dGeometry, into gradInput: Storage) {
        base.conv2dBackwardData(gradOutput, weight: weight, geometry: geometry, into: gradInput)
    }
    open func conv2dBackwardWeights(
        _ gradOutput: Storage, _ x: Storage, geometry: Conv2dGeometry, into gradWeight: Storage?,
        gradBias: Storage?
    ) {
        base.conv2dBackwardWeights(gradOutput, x, geometry: geometry, into: gradWeight, gradBias: gradBias)
    }

    open func reluBackward(_ g: Storage, _ y: Storage, into out: Storage) { base.reluBackward(g, y, into: out) }
    open func addReLU(_ a: Storage, _ b: Storage, count: Int, into out: Storage) { base.addReLU(a, b, count: count, into: out) }
    open func channelAffineReLU(
        _ x: Storage, outer: Int, channels: Int, inner: Int, center: Storage?, scale: Storage,
        shift: Storage?, into out: Storage
    ) {
        base.channelAffineReLU(x, outer: outer, channels: channels, inner: inner, center: center, scale: scale, shift: shift, into: out)
    }
    open func channelGradientSums(
        _ g: Storage, _ x: Storage, center: Storage, reluOutput: Storage?, outer: Int, channels: Int,
        inner: Int, sum: Storage, dot: Storage
    ) {
        base.channelGradientSums(
            g, x, center: center, reluOutput: reluOutput, outer: outer, channels: channels, inner: inner,
            sum: sum, dot: dot)
    }
    open func batchNormInputGradient(
        _ g: Storage, _ x: Storage, reluOutput: Storage?, center: Storage, scale: Storage,
        shift: Storage?, slope: Storage?, outer: Int, channels: Int, inner: Int, into dx: Storage
    ) {
        base.batchNormInputGradient(
            g, x, reluOutput: reluOutput, center: center, scale: scale, shift: shift, slope: slope,
            outer: outer, channels: channels, inner: inner, into: dx)
    }

    open func gruForward(
        _ gi: Storage, weightHH: Storage, biasHH: Storage?, initialHidden: Storage, layout: GRULayout,
        outputs: Storage, workspace: Storage?
    ) {
        base.gruForward(
            gi, weightHH: weightHH, biasHH: biasHH, initialHidden: initialHidden, layout: layout, outputs: outputs,
            workspace: workspace)
    }
    open func gruBackward(
        _ gradOutputs: Storage, weightHH: Storage, initialHidden: Storage, outputs: Storage, workspace: Storage,
        layout: GRULayout, gradInputProjections: Storage, gradWeightHH: Storage?, gradBiasHH: Storage?,
        gradInitialHidden: Storage
    ) {
        base.gruBackward(
            gradOutputs, weightHH: weightHH, initialHidden: initialHidden, outputs: outputs, workspace: workspace,
            layout: layout, gradInputProjections: gradInputProjections, gradWeightHH: gradWeightHH,
            gradBiasHH: gradBiasHH, gradInitialHidden: gradInitialHidden)
    }

    open func adamStep(_ parameter: Storage, gradient: Storage, expAvg: Storage, expAvgSq: Storage, count: Int, _ step: AdamStep) {
        base.adamStep(parameter, gradient: gradient, expAvg: expAvg, expAvgSq: expAvgSq, count: count, step)
    }
    open func sumOfSquares(_ x: Storage, count: Int, adding start: Double) -> Double {
        base.sumOfSquares(x, count: count, adding: start)
    }
}
