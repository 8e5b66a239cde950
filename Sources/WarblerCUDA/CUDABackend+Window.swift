// CUDA sliding-window primitives: im2col/col2im and the pools are NVRTC kernels
// (Kernels+Window.swift); convolutions are im2col + cuBLAS GEMM through the generic path in
// WarblerTensor (Conv2dIm2col.swift).
import CCUDA
import Foundation
import WarblerTensor

extension CUDABackend {
    func win(_ w: Window2d) -> KernelArg {
        .bytes(
            [
                w.height, w.width, w.kernelHeight, w.kernelWidth, w.strideHeight, w.strideWidth, w.paddingHeight,
                w.paddingWidth, w.dilationHeight, w.dilationWidth, w.outputHeight, w.outputWidth,
            ].map(Int64.init))
    }

    public func im2col(_ x: Storage, offset: Int, images: Int, channels: Int, window: Window2d, into cols: Storage) {
        let planes = images * channels
        must {
            try windowed.launch(
                "im2col", count: planes * window.kernelArea * window.outputArea,
                [.pointer(ptr(x, offset)), .pointer(ptr(cols)), .int64(Int64(planes)), win(window)])
        }
    }

    public func col2im(_ cols: Storage, images: Int, channels: Int, window: Window2d, into x: Storage, offset: Int) {
        let planes = images * channels
        must {
            try windowed.launch(
                "col2im", count: planes * window.inputArea,
                [.pointer(ptr(cols)), .pointer(ptr(x, offset)), .int64(Int64(planes)), win(window)])
        }
    }

    public func maxPool2d(_ x: Storage, planes: Int, window: Window2d, into out: Storage) {
        must {
            try windowed.launch(
                "max_pool2d", count: planes * window.outputArea,
                [.pointer(ptr(x)), .pointer(ptr(out)), .int64(Int64(planes)), win(window)])
        }
    }

    public func maxPool2dBackward(_ gradOutput: Storage, _ x: Storage, planes: Int, window: Window2d, into gradInput: Storage) {
        must {
            try cuda.fill(ptr(gradInput), words: planes * window.inputArea, bits: 0)
            try windowed.launch(
                "max_pool2d_backward", count: planes * window.outputArea,
                [.pointer(ptr(gradOutput)), .pointer(ptr(x)), .pointer(ptr(gradInput)), .int64(Int64(planes)), win(window)])
        }
    }

    public func avgPool2d(_ x: Storage, planes: Int, window: Window2d, countIncludePad: Bool, into out: Storage) {
        must {
            try windowed.launch(
                "avg_pool2d", count: planes * window.outputArea,
                [.pointer(ptr(x)), .pointer(ptr(out)), .int64(Int64(planes)), win(window), .int32(countIncludePad ? 1 : 0)])
        }
    }

    public func avgPool2dBackward(_ gradOutput: Storage, planes: Int, window: Window2d, countIncludePad: Bool, into gradInput: Storage) {
        must {
            try cuda.fill(ptr(gradInput), words: planes * window.inputArea, bits: 0)
            try windowed.launch(
                "avg_pool2d_backward", count: planes * window.outputArea,
                [
                    .pointer(ptr(gradOutput)), .pointer(ptr(gradInput)), .int64(Int64(planes)), win(window),
                    .int32(countIncludePad ? 1 : 0),
                ])
        }
    }

    public func conv2dForward(_ x: Storage, weight: Storage, bias: Storage?, geometry: Conv2dGeometry, into out: Storage) {
        im2colConv2dForward(x, weight: weight, bias: bias, geometry: geometry, into: out)
    }

    public func conv2dBackwardData(_ gradOutput: Storage, weight: Storage, geometry: Conv2dGeometry, into gradInput: Storage) {
        im2colConv2dBackwardData(gradOutput, weight: weight, geometry: geometry, into: gradInput)
    }

    public func conv2dBackwardWeights(
        _ gradOutput: Storage, _ x: Storage, geometry: Conv2dGeometry,
        into gradWeight: Storage?, gradBias: Storage?
    ) {
        im2colConv2dBackwardWeights(gradOutput, x, geometry: geometry, into: gradWeight, gradBias: gradBias)
    }
}
