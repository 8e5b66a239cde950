// CPU im2col and col2im: the unfolding that turns a convolution into a GEMM, and its adjoint.
// Both work a plane (one channel of one image) at a time, in parallel over planes; within a
// plane each kernel tap (i, j) is one column row, filled a window row at a time from the range
// of window positions whose tap lands inside the input (the rest are padding zeros).
import Foundation

extension Window2d {
    /// Window columns `ow` whose tap at input offset `dx` (ow * sW + dx) lands in 0..<W.
    @inline(__always) func validColumns(offset dx: Int) -> Range<Int> {
        // ow * sW + dx >= 0  <=>  ow >= ceil(-dx / sW) = -floor(dx / sW)
        let first = Swift.min(outputWidth, Swift.max(0, -floorDivide(dx, strideWidth)))
        let last = Swift.min(outputWidth, Swift.max(first, floorDivide(width - 1 - dx, strideWidth) + 1))
        return first..<last
    }
}

extension CPUBackend {
    public func im2col(_ x: Storage, offset: Int, images: Int, channels: Int, window w: Window2d, into cols: Storage) {
        nonisolated(unsafe) let src = x.floats + offset, dst = cols.floats
        let taps = w.kernelArea, area = w.outputArea, plane = w.inputArea
        let oh = w.outputHeight, ow = w.outputWidth
        parallel(images * channels, grain: Swift.max(1, 65_536 / Swift.max(1, taps * area))) { r in
            for p in r {
                let input = src + p * plane
                var row = dst + p * taps * area
                for i in 0..<w.kernelHeight {
                    let dy = i * w.dilationHeight - w.paddingHeight
                    for j in 0..<w.kernelWidth {
                        let dx = j * w.dilationWidth - w.paddingWidth
                        let valid = w.validColumns(offset: dx)
                        for y in 0..<oh {
                            let out = row + y * ow
                            let ih = y * w.strideHeight + dy
                            guard ih >= 0 && ih < w.height && !valid.isEmpty else {
                                out.update(repeating: 0, count: ow)
                                continue
                            }
                            out.update(repeating: 0, count: valid.lowerBound)
                            (out + valid.upperBound).update(repeating: 0, count: ow - valid.upperBound)
                            let line = input + ih * w.width + dx
                            if w.strideWidth == 1 {
                                (out + valid.lowerBound).update(from: line + valid.lowerBound, count: valid.count)
                            } else {
                                let s = w.strideWidth
                                for x in valid { out[x] = line[x * s] }
                            }
                        }
                        row += area
                    }
                }
            }
        }
    }

    public func col2im(_ cols: Storage, images: Int, channels: Int, window w: Window2d, into x: Storage, offset: Int) {
        nonisolated(unsafe) let src = cols.floats, dst = x.floats + offset
        let taps = w.kernelArea, area = w.outputArea, plane = w.inputArea
        let oh = w.outputHeight, ow = w.outputWidth
        // Each worker owns whole planes of `x`, so overlapping windows never race.
        parallel(images * channels, grain: Swift.max(1, 65_536 / Swift.max(1, taps * area))) { r in
            for p in r {
                let output = dst + p * plane
                output.update(repeating: 0, count: plane)
                var row = src + p * taps * area
                for i in 0..<w.kernelHeight {
                    let dy = i * w.dilationHeight - w.paddingHeight
                    for j in 0..<w.kernelWidth {
                        let dx = j * w.dilationWidth - w.paddingWidth
                        let valid = w.validColumns(offset: dx)
                        if !valid.isEmpty {
                            for y in 0..<oh {
                                let ih = y * w.strideHeight + dy
                                guard ih >= 0 && ih < w.height else { continue }
                                let col = row + y * ow
                                let line = output + ih * w.width + dx
                                if w.strideWidth == 1 {
                                    for x in valid { line[x] += col[x] }
                                } else {
                                    let s = w.strideWidth
                                    for x in valid { line[x * s] += col[x] }
                                }
                            }
                        }
                        row += area
                    }
                }
            }
        }
    }
}
