// Convolution as im2col + GEMM per group, on any backend that has `im2col`, `col2im` and `gemm`:
// the readable reference path, and the CPU's fast path where a convolution is a plain GEMM
// (see CPUBackend+Convolution.swift for when it is used). Forward: y[n, g] = W[g] cols[n, g];
// input gradient: col2im(W[g]^T dY[n, g]) (the adjoint of the unfolding); weight gradient:
// dY[n, g] cols[n, g]^T summed over the images; bias gradient: dY summed over N, H', W'.
// The columns are rebuilt in the backward pass rather than kept, a chunk of images at a time
// so they stay under `columnBudget`. A 1x1, stride-1, unpadded convolution skips the
// unfolding: the input is its own columns. Every result is assigned, not accumulated.
import Foundation

extension Conv2dGeometry {
    /// Column rows per group (C/groups * kH * kW): the GEMM's reduction length.
    var groupRows: Int { groupChannels * window.kernelArea }
    /// Column elements per image (C * kH * kW * H' * W').
    var columnsPerImage: Int { channels * window.kernelArea * window.outputArea }
    /// Elements per image of the output (O * H' * W').
    var outputPerImage: Int { outChannels * window.outputArea }
    /// Elements per image of the input (C * H * W).
    var inputPerImage: Int { channels * window.inputArea }

    /// Floats of column buffer one chunk may use (16 MiB; a single image may need more). Kept
    /// under glibc's largest mmap threshold (32 MiB) so that, once freed, the buffer is reused
    /// from the heap instead of being mapped and page-faulted afresh on every call: a 56 MiB
    /// buffer made the unfolding 8x slower than the same work into warm memory.
    static let columnBudget = 1 << 22
    /// Images per chunk of unfolded columns.
    var columnChunk: Int {
        window.isIdentity ? images : Swift.max(1, Swift.min(images, Conv2dGeometry.columnBudget / Swift.max(1, columnsPerImage)))
    }
}

extension Backend {
    /// Column buffer for one chunk, or nil when the unfolding is the identity.
    private func columnBuffer(_ g: Conv2dGeometry) -> Storage? {
        g.window.isIdentity ? nil : allocate(g.columnChunk * g.columnsPerImage)
    }

    /// Columns of images first..<first+count: `x` itself when the unfolding is the identity,
    /// else `buffer` filled by im2col. Returns the storage and the offset of image `first`.
    private func columns(_ x: Storage, _ g: Conv2dGeometry, _ first: Int, _ count: Int, _ buffer: Storage?) -> (Storage, Int) {
        guard let buffer else { return (x, first * g.columnsPerImage) }
        im2col(x, offset: first * g.inputPerImage, images: count, channels: g.channels, window: g.window, into: buffer)
        return (buffer, 0)
    }

    /// x [N, C, H, W], weight [O, C/groups, kH, kW], bias [O] -> out [N, O, H', W'] (assigned),
    /// as torch.nn.functional.conv2d, by im2col + GEMM.
    public func im2colConv2dForward(
        _ x: Storage, weight: Storage, bias: Storage?, geometry g: Conv2dGeometry,
        into out: Storage
    ) {
        let area = g.window.outputArea
        if let bias {
            // Start from the bias broadcast over [N, O, H'W'] and let the GEMM add onto it.
            gather(bias, offset: 0, strides: [0, 1, 0], shape: [g.images, g.outChannels, area], into: out)
        }
        let buffer = columnBuffer(g), chunk = g.columnChunk
        for first in stride(from: 0, to: g.images, by: chunk) {
            let count = Swift.min(chunk, g.images - first)
            let (cols, base) = columns(x, g, first, count, buffer)
            for k in 0..<g.groups {
                gemm(
                    transA: false, transB: false, m: g.groupOutChannels, n: area, k: g.groupRows, alpha: 1,
                    a: weight, aOffset: k * g.groupOutChannels * g.groupRows, aBatchStride: 0,
                    b: cols, bOffset: base + k * g.groupRows * area, bBatchStride: g.columnsPerImage,
                    beta: bias == nil ? 0 : 1,
                    c: out, cOffset: first * g.outputPerImage + k * g.groupOutChannels * area,
                    cBatchStride: g.outputPerImage, batch: count)
            }
        }
    }

    /// gradOutput [N, O, H', W'], weight [O, C/groups, kH, kW] -> gradInput [N, C, H, W]
    /// (assigned): col2im(W[g]^T dY[n, g]).
    public func im2colConv2dBackwardData(
        _ gradOutput: Storage, weight: Storage, geometry g: Conv2dGeometry,
        into gradInput: Storage
    ) {
        let area = g.window.outputArea
        let buffer = columnBuffer(g), chunk = g.columnChunk
        for first in stride(from: 0, to: g.images, by: chunk) {
            let count = Swift.min(chunk, g.images - first)
            // Identity unfolding: the column gradient is the input gradient itself.
            let (cols, base) = buffer.map { ($0, 0) } ?? (gradInput, first * g.columnsPerImage)
            for k in 0..<g.groups {
                gemm(
                    transA: true, transB: false, m: g.groupRows, n: area, k: g.groupOutChannels, alpha: 1,
                    a: weight, aOffset: k * g.groupOutChannels * g.groupRows, aBatchStride: 0,
                    b: gradOutput, bOffset: first * g.outputPerImage + k * g.groupOutChannels * area,
                    bBatchStride: g.outputPerImage,
                    beta: 0, c: cols, cOffset: base + k * g.groupRows * area, cBatchStride: g.columnsPerImage, batch: count)
            }
            if let buffer {
                col2im(
                    buffer, images: count, channels: g.channels, window: g.window, into: gradInput,
                    offset: first * g.inputPerImage)
            }
        }
    }

    /// gradOutput [N, O, H', W'], x [N, C, H, W] -> gradWeight [O, C/groups, kH, kW] =
    /// sum over n of dY[n, g] cols[n, g]^T, and gradBias [O] = dY summed over N, H', W'
    /// (each assigned; either may be nil).
    public func im2colConv2dBackwardWeights(
        _ gradOutput: Storage, _ x: Storage, geometry g: Conv2dGeometry,
        into gradWeight: Storage?, gradBias: Storage?
    ) {
        let area = g.window.outputArea
        if let gradWeight {
            fill(gradWeight, with: 0)
            let buffer = columnBuffer(g), chunk = g.columnChunk
            for first in stride(from: 0, to: g.images, by: chunk) {
                let count = Swift.min(chunk, g.images - first)
                let (cols, base) = columns(x, g, first, count, buffer)
                for n in 0..<count {
                    for k in 0..<g.groups {
                        gemm(
                            transA: false, transB: true, m: g.groupOutChannels, n: g.groupRows, k: area, alpha: 1,
                            a: gradOutput, aOffset: (first + n) * g.outputPerImage + k * g.groupOutChannels * area,
                            aBatchStride: 0,
                            b: cols, bOffset: base + n * g.columnsPerImage + k * g.groupRows * area, bBatchStride: 0,
                            beta: 1, c: gradWeight, cOffset: k * g.groupOutChannels * g.groupRows, cBatchStride: 0, batch: 1)
                    }
                }
            }
        }
        if let gradBias {
            // A GEMM against ones per image.
            fill(gradBias, with: 0)
            let ones = allocate(area)
            fill(ones, with: 1)
            for n in 0..<g.images {
                gemm(
                    transA: false, transB: false, m: g.outChannels, n: 1, k: area, alpha: 1,
                    a: gradOutput, aOffset: n * g.outputPerImage, aBatchStride: 0, b: ones, bOffset: 0, bBatchStride: 0,
                    beta: 1, c: gradBias, cOffset: 0, cBatchStride: 0, batch: 1)
            }
        }
    }
}
