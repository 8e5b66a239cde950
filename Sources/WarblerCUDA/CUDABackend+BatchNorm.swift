// CUDA per-channel (batch-norm) primitives: moments, the affine map and the gradient sums, one
// NVRTC kernel each (Kernels+BatchNorm.swift).
import CCUDA
import Foundation
import WarblerTensor

extension CUDABackend {
    public func channelMoments(_ x: Storage, outer: Int, channels: Int, inner: Int, mean: Storage, variance: Storage) {
        must {
            try windowed.launch(
                "channel_moments", blocks: (channels, 1, 1), threads: 256,
                [
                    .pointer(ptr(x)), .pointer(ptr(mean)), .pointer(ptr(variance)),
                    .int64(Int64(outer)), .int64(Int64(channels)), .int64(Int64(inner)),
                ])
        }
    }

    public func channelAffine(
        _ x: Storage, outer: Int, channels: Int, inner: Int, center: Storage?, scale: Storage,
        shift: Storage?, accumulate: Bool, into out: Storage
    ) {
        let flags = Int32((center != nil ? 1 : 0) | (shift != nil ? 2 : 0) | (accumulate ? 4 : 0))
        must {
            try windowed.launch(
                "channel_affine", count: outer * channels * inner,
                [
                    .pointer(ptr(x)), .pointer(center.map { ptr($0) } ?? 0), .pointer(ptr(scale)),
                    .pointer(shift.map { ptr($0) } ?? 0), .pointer(ptr(out)),
                    .int64(Int64(outer)), .int64(Int64(channels)), .int64(Int64(inner)), .int32(flags),
                ])
        }
    }

    public func channelGradientSums(
        _ g: Storage, _ x: Storage, center: Storage, outer: Int, channels: Int, inner: Int,
        sum: Storage, dot: Storage
    ) {
        must {
            try windowed.launch(
                "channel_grad_sums", blocks: (channels, 1, 1), threads: 256,
                [
                    .pointer(ptr(g)), .pointer(ptr(x)), .pointer(ptr(center)), .pointer(ptr(sum)), .pointer(ptr(dot)),
                    .int64(Int64(outer)), .int64(Int64(channels)), .int64(Int64(inner)),
                ])
        }
    }
}
