// CUDA convolution, pooling, batch-norm and GRU primitives. im2col/col2im, the pools and the
// per-channel sums are NVRTC kernels (Kernels+Window.swift); convolutions are im2col + cuBLAS
// GEMM through the generic path in WarblerTensor (Conv2dIm2col.swift); the GRU forward is one
// cuBLAS GEMM and one gate kernel per step, the backward one gate-gradient kernel and one GEMM
// per step plus three GEMM/sum passes for the weight and bias gradients.
import CCUDA
import Foundation
import WarblerTensor

extension CUDABackend {
    func win(_ w: Window2d) -> KernelArg {
        .bytes([w.height, w.width, w.kernelHeight, w.kernelWidth, w.strideHeight, w.strideWidth, w.paddingHeight,
                w.paddingWidth, w.dilationHeight, w.dilationWidth, w.outputHeight, w.outputWidth].map(Int64.init))
    }

    public func im2col(_ x: Storage, offset: Int, images: Int, channels: Int, window: Window2d, into cols: Storage) {
        let planes = images * channels
        must {
            try windowed.launch("im2col", count: planes * window.kernelArea * window.outputArea,
                                [.pointer(ptr(x, offset)), .pointer(ptr(cols)), .int64(Int64(planes)), win(window)])
        }
    }

    public func col2im(_ cols: Storage, images: Int, channels: Int, window: Window2d, into x: Storage, offset: Int) {
        let planes = images * channels
        must {
            try windowed.launch("col2im", count: planes * window.inputArea,
                                [.pointer(ptr(cols)), .pointer(ptr(x, offset)), .int64(Int64(planes)), win(window)])
        }
    }

    public func maxPool2d(_ x: Storage, planes: Int, window: Window2d, into out: Storage) {
        must {
            try windowed.launch("max_pool2d", count: planes * window.outputArea,
                                [.pointer(ptr(x)), .pointer(ptr(out)), .int64(Int64(planes)), win(window)])
        }
    }

    public func maxPool2dBackward(_ gradOutput: Storage, _ x: Storage, planes: Int, window: Window2d, into gradInput: Storage) {
        must {
            try cuda.fill(ptr(gradInput), words: planes * window.inputArea, bits: 0)
            try windowed.launch("max_pool2d_backward", count: planes * window.outputArea,
                                [.pointer(ptr(gradOutput)), .pointer(ptr(x)), .pointer(ptr(gradInput)), .int64(Int64(planes)), win(window)])
        }
    }

    public func avgPool2d(_ x: Storage, planes: Int, window: Window2d, countIncludePad: Bool, into out: Storage) {
        must {
            try windowed.launch("avg_pool2d", count: planes * window.outputArea,
                                [.pointer(ptr(x)), .pointer(ptr(out)), .int64(Int64(planes)), win(window), .int32(countIncludePad ? 1 : 0)])
        }
    }

    public func avgPool2dBackward(_ gradOutput: Storage, planes: Int, window: Window2d, countIncludePad: Bool, into gradInput: Storage) {
        must {
            try cuda.fill(ptr(gradInput), words: planes * window.inputArea, bits: 0)
            try windowed.launch("avg_pool2d_backward", count: planes * window.outputArea,
                                [.pointer(ptr(gradOutput)), .pointer(ptr(gradInput)), .int64(Int64(planes)), win(window),
                                 .int32(countIncludePad ? 1 : 0)])
        }
    }

    public func channelMoments(_ x: Storage, outer: Int, channels: Int, inner: Int, mean: Storage, variance: Storage) {
        must {
            try windowed.launch("channel_moments", blocks: (channels, 1, 1), threads: 256,
                                [.pointer(ptr(x)), .pointer(ptr(mean)), .pointer(ptr(variance)),
                                 .int64(Int64(outer)), .int64(Int64(channels)), .int64(Int64(inner))])
        }
    }

    public func channelAffine(_ x: Storage, outer: Int, channels: Int, inner: Int, center: Storage?, scale: Storage,
                              shift: Storage?, accumulate: Bool, into out: Storage) {
        let flags = Int32((center != nil ? 1 : 0) | (shift != nil ? 2 : 0) | (accumulate ? 4 : 0))
        must {
            try windowed.launch("channel_affine", count: outer * channels * inner,
                                [.pointer(ptr(x)), .pointer(center.map { ptr($0) } ?? 0), .pointer(ptr(scale)),
                                 .pointer(shift.map { ptr($0) } ?? 0), .pointer(ptr(out)),
                                 .int64(Int64(outer)), .int64(Int64(channels)), .int64(Int64(inner)), .int32(flags)])
        }
    }

    public func channelGradientSums(_ g: Storage, _ x: Storage, center: Storage, outer: Int, channels: Int, inner: Int,
                                    sum: Storage, dot: Storage) {
        must {
            try windowed.launch("channel_grad_sums", blocks: (channels, 1, 1), threads: 256,
                                [.pointer(ptr(g)), .pointer(ptr(x)), .pointer(ptr(center)), .pointer(ptr(sum)), .pointer(ptr(dot)),
                                 .int64(Int64(outer)), .int64(Int64(channels)), .int64(Int64(inner))])
        }
    }

    public func conv2dForward(_ x: Storage, weight: Storage, bias: Storage?, geometry: Conv2dGeometry, into out: Storage) {
        im2colConv2dForward(x, weight: weight, bias: bias, geometry: geometry, into: out)
    }

    public func conv2dBackwardData(_ gradOutput: Storage, weight: Storage, geometry: Conv2dGeometry, into gradInput: Storage) {
        im2colConv2dBackwardData(gradOutput, weight: weight, geometry: geometry, into: gradInput)
    }

    public func conv2dBackwardWeights(_ gradOutput: Storage, _ x: Storage, geometry: Conv2dGeometry,
                                      into gradWeight: Storage?, gradBias: Storage?) {
        im2colConv2dBackwardWeights(gradOutput, x, geometry: geometry, into: gradWeight, gradBias: gradBias)
    }

    public func gruForward(_ gi: Storage, weightHH: Storage, biasHH: Storage?, initialHidden: Storage, layout: GRULayout,
                           outputs: Storage, workspace: Storage?) {
        let B = layout.batch, H = layout.hidden, G = 3 * layout.hidden
        let gh = allocate(B * G)
        must {
            for i in 0..<layout.steps {
                let t = layout.time(ofStep: i)
                let prev = layout.previous(of: t)
                let hPrev = prev.map { ptr(outputs, $0 * B * H) } ?? ptr(initialHidden)
                // gh = h W_hh^T [B, 3H]; the bias is added in the gate kernel.
                try cuda.gemm(transA: false, transB: true, m: B, n: G, k: H, alpha: 1, a: hPrev, aBatchStride: 0,
                              b: ptr(weightHH), bBatchStride: 0, beta: 0, c: ptr(gh), cBatchStride: 0, batch: 1)
                try windowed.launch("gru_gates", count: B * H,
                                    [.pointer(ptr(gi, t * B * G)), .pointer(ptr(gh)), .pointer(biasHH.map { ptr($0) } ?? 0),
                                     .pointer(hPrev), .pointer(ptr(outputs, t * B * H)),
                                     .pointer(workspace.map { ptr($0, t * layout.workspacePerStep) } ?? 0),
                                     .int64(Int64(B)), .int64(Int64(H))])
            }
        }
    }

    /// Per step (latest first): the gate backward kernel, then dL/dh += dL/dgh W_hh (cuBLAS);
    /// then dW_hh = sum_t dgh_t^T h_{t-1} as two GEMMs and db_hh as a column sum, as on the CPU.
    public func gruBackward(_ gradOutputs: Storage, weightHH: Storage, initialHidden: Storage, outputs: Storage,
                            workspace: Storage, layout: GRULayout, gradInputProjections: Storage,
                            gradWeightHH: Storage?, gradBiasHH: Storage?, gradInitialHidden: Storage) {
        let B = layout.batch, H = layout.hidden, G = 3 * layout.hidden, T = layout.steps
        let dgh = allocate(T * B * G)
        let carry = gradInitialHidden
        fill(carry, with: 0)
        must {
            for i in stride(from: T - 1, through: 0, by: -1) {
                let t = layout.time(ofStep: i)
                let prev = layout.previous(of: t)
                try windowed.launch("gru_gates_backward", count: B * H,
                                    [.pointer(ptr(gradOutputs, t * B * H)), .pointer(ptr(carry)),
                                     .pointer(prev.map { ptr(outputs, $0 * B * H) } ?? ptr(initialHidden)),
                                     .pointer(ptr(workspace, t * layout.workspacePerStep)),
                                     .pointer(ptr(gradInputProjections, t * B * G)), .pointer(ptr(dgh, t * B * G)),
                                     .int64(Int64(B)), .int64(Int64(H))])
                try cuda.gemm(transA: false, transB: false, m: B, n: H, k: G, alpha: 1, a: ptr(dgh, t * B * G), aBatchStride: 0,
                              b: ptr(weightHH), bBatchStride: 0, beta: 1, c: ptr(carry), cBatchStride: 0, batch: 1)
            }
            if let gradWeightHH {
                let first = layout.time(ofStep: 0)
                if T > 1 {
                    try cuda.gemm(transA: true, transB: false, m: G, n: H, k: (T - 1) * B, alpha: 1,
                                  a: ptr(dgh, (layout.reverse ? 0 : 1) * B * G), aBatchStride: 0,
                                  b: ptr(outputs, (layout.reverse ? 1 : 0) * B * H), bBatchStride: 0,
                                  beta: 0, c: ptr(gradWeightHH), cBatchStride: 0, batch: 1)
                }
                try cuda.gemm(transA: true, transB: false, m: G, n: H, k: B, alpha: 1,
                              a: ptr(dgh, first * B * G), aBatchStride: 0, b: ptr(initialHidden), bBatchStride: 0,
                              beta: T > 1 ? 1 : 0, c: ptr(gradWeightHH), cBatchStride: 0, batch: 1)
            }
        }
        if let gradBiasHH {
            reduce(.sum, dgh, shape: [T * B, G], axes: [0], into: gradBiasHH, indices: nil)
        }
    }
}
