// Default implementations of the fused primitives (Backend.swift), composed from the basic ones:
// what a backend without its own fused kernels (CUDA today) runs. They take extra passes and a
// temporary, and give the same results as the fused CPU versions up to rounding.
extension Backend {
    public func reluBackward(_ g: Storage, _ y: Storage, into out: Storage) {
        let mask = allocate(y.count)
        unary(.positiveMask, y, into: mask)
        binary(.mul, g, strides: [1], mask, strides: [1], shape: Shape([y.count]), into: out)
    }

    public func addReLU(_ a: Storage, _ b: Storage, count: Int, into out: Storage) {
        binary(.add, a, strides: [1], b, strides: [1], shape: Shape([count]), into: out)
        unary(.relu, out, into: out)
    }

    public func channelAffineReLU(
        _ x: Storage, outer: Int, channels: Int, inner: Int, center: Storage?, scale: Storage,
        shift: Storage?, into out: Storage
    ) {
        channelAffine(
            x, outer: outer, channels: channels, inner: inner, center: center, scale: scale, shift: shift,
            accumulate: false, into: out)
        unary(.relu, out, into: out)
    }

    /// g itself, or g masked by reluOutput > 0 in a new storage.
    private func maskedGradient(_ g: Storage, _ reluOutput: Storage?, count: Int) -> Storage {
        guard let reluOutput else { return g }
        let masked = allocate(count)
        reluBackward(g, reluOutput, into: masked)
        return masked
    }

    public func channelGradientSums(
        _ g: Storage, _ x: Storage, center: Storage, reluOutput: Storage?, outer: Int, channels: Int,
        inner: Int, sum: Storage, dot: Storage
    ) {
        channelGradientSums(
            maskedGradient(g, reluOutput, count: outer * channels * inner), x, center: center, outer: outer,
            channels: channels, inner: inner, sum: sum, dot: dot)
    }

    public func batchNormInputGradient(
        _ g: Storage, _ x: Storage, reluOutput: Storage?, center: Storage, scale: Storage,
        shift: Storage?, slope: Storage?, outer: Int, channels: Int, inner: Int, into dx: Storage
    ) {
        let gm = maskedGradient(g, reluOutput, count: outer * channels * inner)
        channelAffine(
            gm, outer: outer, channels: channels, inner: inner, center: nil, scale: scale, shift: shift,
            accumulate: false, into: dx)
        if let slope {
            channelAffine(
                x, outer: outer, channels: channels, inner: inner, center: center, scale: slope, shift: nil,
                accumulate: true, into: dx)
        }
    }
}
