// The CPU backend's convolution primitives: oneDNN (DNNLConv2d.swift) or im2col + OpenBLAS
// GEMM (Conv2dIm2col.swift), chosen per shape by `ConvolutionPath.automatic`'s rule below;
// `CPUBackend.withConvolutionPath` forces one for a scope (tests and benchmarks). Where oneDNN
// has no primitive for a shape the im2col path runs instead.
import Foundation

/// How the CPU backend runs a convolution.
public enum ConvolutionPath: String, Sendable, CaseIterable {
    /// The rule in `CPUBackend.automaticLayout`: whichever path measured faster for the shape.
    case automatic
    /// oneDNN in the layouts it chooses (blocked, with reorders).
    case oneDNN
    /// oneDNN in plain NCHW/OIHW layouts (no reorders).
    case oneDNNPlain
    /// im2col + GEMM.
    case im2col
}

extension CPUBackend {
    @TaskLocal static var convolutionPath = ConvolutionPath.automatic
    @TaskLocal static var bfloat16Inference = false

    /// Whether this CPU runs oneDNN's bf16 convolutions in hardware (AVX-512 BF16).
    public static var hasBFloat16Convolutions: Bool { DNNLConv2dCache.hasBF16 }

    /// Runs `body` with every convolution forward on this backend in bfloat16 (inputs and
    /// weights rounded to bf16, products accumulated in float32, float32 results) where oneDNN
    /// has a bf16 kernel for the CPU (AVX-512 BF16); elsewhere, and for gradients, float32.
    public static func withBFloat16Convolutions<R>(_ body: () throws -> R) rethrows -> R {
        guard DNNLConv2dCache.hasBF16 else { return try body() }
        return try $bfloat16Inference.withValue(true) { try body() }
    }

    /// Runs `body` with every convolution on this backend taking `path` (scoped to the task or
    /// thread, like GradMode.withoutGradients).
    public static func withConvolutionPath<R>(_ path: ConvolutionPath, _ body: () throws -> R) rethrows -> R {
        try $convolutionPath.withValue(path) { try body() }
    }

    /// The dispatch rule of `.automatic`, from `bench/engine.py --backward` and
    /// `warbler bench engine --conv-path P --backward` over the 33 distinct convolutions of
    /// timm's resnest50d on a [1, 1, 501, 128] log-mel (docs/benchmarks.md, "Engine"):
    /// - forward: oneDNN in plain NCHW for a 1x1 stride-1 unpadded kernel (no reorders to pay)
    ///   and for small outputs (<= 128 positions, where reorders cost more than blocking saves);
    ///   oneDNN's blocked layouts (nChw16c) otherwise;
    /// - backward (data and weights), by the output positions of the whole batch: im2col + GEMM
    ///   for <= 256 (at batch 1 the deep stages and the split-attention 1x1s on [C, 1, 1]:
    ///   oneDNN 2.6's backward kernels were 3-10x slower there than its own matmul, which the
    ///   backend's GEMM runs on); oneDNN plain for 1x1 kernels on >= 512; blocked oneDNN
    ///   otherwise (at batch 8 the blocked backward of the deep grouped 3x3s is 10-20% faster
    ///   than im2col). At exactly 256 positions (resnest50d's third stage at batch 1) the two
    ///   paths were close and split by channel count: blocked up to 128 x 256 channels per group,
    ///   im2col above (timings: docs/benchmarks.md, "Engine notes").
    static func automaticLayout(_ g: Conv2dGeometry, _ pass: DNNLConvPass) -> DNNLConvLayout? {
        let area = g.window.outputArea
        switch pass {
        case .forward:
            return g.window.isIdentity || area <= 128 ? .plain : .blocked
        case .backwardData, .backwardWeights:
            let positions = g.images * area
            if positions < 256 { return nil }
            if positions == 256 && (g.window.isIdentity || g.groupChannels * g.groupOutChannels > 128 * 256) { return nil }
            return g.window.isIdentity && positions >= 512 ? .plain : .blocked
        }
    }

    /// Convolutions below this many multiply-adds (~10 us on one core) run oneDNN on the calling
    /// thread alone: waking and joining the OpenMP team costs more than the work saved (the
    /// split-attention 1x1s on [C, 1, 1] run by the dozen at batch 1).
    static let singleThreadMultiplyAdds = 1 << 20

    /// The threads oneDNN gets for `g`.
    private func convolutionThreads(_ g: Conv2dGeometry) -> Int {
        g.multiplyAdds < CPUBackend.singleThreadMultiplyAdds ? 1 : threads
    }

    /// The oneDNN layout for `pass` of `g`, or nil for im2col.
    private func layout(_ g: Conv2dGeometry, _ pass: DNNLConvPass) -> DNNLConvLayout? {
        switch CPUBackend.convolutionPath {
        case .automatic: return CPUBackend.automaticLayout(g, pass)
        case .oneDNN: return .blocked
        case .oneDNNPlain: return .plain
        case .im2col: return nil
        }
    }

    public func conv2dForward(_ x: Storage, weight: Storage, bias: Storage?, geometry g: Conv2dGeometry, into out: Storage) {
        if CPUBackend.bfloat16Inference && DNNLConv2dCache.hasBF16 && g.multiplyAdds >= CPUBackend.singleThreadMultiplyAdds,
            DNNLConv2dCache.shared.run(
                .forward, g, bias: bias != nil, layout: .blockedBF16, threads: threads,
                [x.raw, weight.raw, out.raw] + (bias.map { [$0.raw] } ?? []))
        {
            return
        }
        if let layout = layout(g, .forward),
            DNNLConv2dCache.shared.run(
                .forward, g, bias: bias != nil, layout: layout, threads: convolutionThreads(g),
                [x.raw, weight.raw, out.raw] + (bias.map { [$0.raw] } ?? []))
        {
            return
        }
        im2colConv2dForward(x, weight: weight, bias: bias, geometry: g, into: out)
    }

    public func conv2dBackwardData(_ gradOutput: Storage, weight: Storage, geometry g: Conv2dGeometry, into gradInput: Storage) {
        if let layout = layout(g, .backwardData),
            DNNLConv2dCache.shared.run(
                .backwardData, g, bias: false, layout: layout, threads: convolutionThreads(g),
                [gradOutput.raw, weight.raw, gradInput.raw])
        {
            return
        }
        im2colConv2dBackwardData(gradOutput, weight: weight, geometry: g, into: gradInput)
    }

    public func conv2dBackwardWeights(
        _ gradOutput: Storage, _ x: Storage, geometry g: Conv2dGeometry,
        into gradWeight: Storage?, gradBias: Storage?
    ) {
        // A bias gradient alone is a sum: no need for a convolution primitive.
        if let gradWeight, let layout = layout(g, .backwardWeights),
            DNNLConv2dCache.shared.run(
                .backwardWeights, g, bias: gradBias != nil, layout: layout, threads: convolutionThreads(g),
                [gradOutput.raw, x.raw, gradWeight.raw] + (gradBias.map { [$0.raw] } ?? []))
        {
            return
        }
        im2colConv2dBackwardWeights(gradOutput, x, geometry: g, into: gradWeight, gradBias: gradBias)
    }
}
