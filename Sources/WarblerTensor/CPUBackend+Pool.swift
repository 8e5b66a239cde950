// CPU max and average pooling over [H, W] planes and their gradients, following PyTorch's CPU
// kernels window for window: the same clipping, the same divisor, the same tie rule (the first
// maximum in row-major order wins; a NaN wins). Parallel over planes: a backward worker owns
// whole planes of the gradient, so overlapping windows never race.
import Foundation

extension Window2d {
    /// The input rows h0..<h1 and columns w0..<w1 a max-pool window covers, stepping by the
    /// dilation, clipped to the input: as torch's max_pool2d kernel, which steps a negative
    /// start forward by the dilation until it is inside.
    @inline(__always) func maxWindow(_ y: Int, _ x: Int) -> (h0: Int, h1: Int, w0: Int, w1: Int) {
        var h0 = y * strideHeight - paddingHeight, w0 = x * strideWidth - paddingWidth
        let h1 = Swift.min(h0 + (kernelHeight - 1) * dilationHeight + 1, height)
        let w1 = Swift.min(w0 + (kernelWidth - 1) * dilationWidth + 1, width)
        while h0 < 0 { h0 += dilationHeight }
        while w0 < 0 { w0 += dilationWidth }
        return (h0, h1, w0, w1)
    }

    /// The first maximum of a window of `plane` (row-major; a NaN replaces anything) as a flat
    /// index in the plane (-1 for an empty window), and its value.
    @inline(__always) func argmax(_ plane: UnsafeMutablePointer<Float>, _ y: Int, _ x: Int) -> (Int, Float) {
        let (h0, h1, w0, w1) = maxWindow(y, x)
        var best = -Float.infinity
        var index = -1
        var h = h0
        while h < h1 {
            let row = plane + h * width
            var w = w0
            while w < w1 {
                let v = row[w]
                if v > best || v.isNaN || index < 0 {
                    best = v
                    index = h * width + w
                }
                w += dilationWidth
            }
            h += dilationHeight
        }
        return (index, best)
    }

    /// An average-pool window clipped to the input, and its divisor (torch avg_pool2d: the
    /// window clipped to the padded input when `countIncludePad`, else to the input).
    @inline(__always) func averageWindow(_ y: Int, _ x: Int, countIncludePad: Bool) -> (Range<Int>, Range<Int>, Float) {
        var h0 = y * strideHeight - paddingHeight, w0 = x * strideWidth - paddingWidth
        var h1 = Swift.min(h0 + kernelHeight, height + paddingHeight)
        var w1 = Swift.min(w0 + kernelWidth, width + paddingWidth)
        let padded = (h1 - h0) * (w1 - w0)
        h0 = Swift.max(h0, 0); w0 = Swift.max(w0, 0)
        h1 = Swift.min(h1, height); w1 = Swift.min(w1, width)
        guard h0 < h1 && w0 < w1 else { return (0..<0, 0..<0, 1) }
        return (h0..<h1, w0..<w1, Float(countIncludePad ? padded : (h1 - h0) * (w1 - w0)))
    }

    /// Windows of at most 4 x 4: the average pools' row-then-column paths.
    var isSmallPool: Bool { kernelHeight <= 4 && kernelWidth <= 4 }

    /// The input rows an average-pool window of output row y covers, clipped to the input
    /// (as `averageWindow`'s rows).
    @inline(__always) func averageRows(_ y: Int) -> Range<Int> {
        let h0 = y * strideHeight - paddingHeight
        let h1 = Swift.min(h0 + kernelHeight, height + paddingHeight)
        let lo = Swift.max(h0, 0), hi = Swift.min(h1, height)
        return lo < hi ? lo..<hi : 0..<0
    }

    /// Planes per worker so each gets ~65K window taps.
    var poolGrain: Int { Swift.max(1, 65_536 / Swift.max(1, outputArea * kernelArea)) }
}

/// The sum of `n` consecutive floats; eight lanes at a time for long rows (global pooling).
@inline(__always) func rowSum(_ p: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
    var sum: Float = 0
    var i = 0
    if n >= 32 {
        var lanes = SIMD8<Float>()
        while i + 8 <= n {
            lanes += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        sum = lanes.sum()
    }
    while i < n {
        sum += p[i]
        i += 1
    }
    return sum
}

extension CPUBackend {
    public func maxPool2d(_ x: Storage, planes: Int, window w: Window2d, into out: Storage) {
        nonisolated(unsafe) let src = x.floats, dst = out.floats
        if w.dilationHeight == 1 && w.dilationWidth == 1 {
            // Undilated (the ResNet stem's 3x3/2): per output row, the maximum down the rows
            // its windows cover (16 columns at a time), then across each window's columns. A
            // NaN anywhere in a window wins, as in `argmax`.
            parallel(planes, grain: w.poolGrain) { r in
                let column = UnsafeMutablePointer<Float>.allocate(capacity: w.width)
                defer { column.deallocate() }
                for p in r {
                    let plane = src + p * w.inputArea, o = dst + p * w.outputArea
                    for y in 0..<w.outputHeight {
                        let (h0, h1, _, _) = w.maxWindow(y, 0)
                        guard h0 < h1 else {
                            (o + y * w.outputWidth).update(repeating: -.infinity, count: w.outputWidth)
                            continue
                        }
                        CPUBackend.columnArgmax(plane, width: w.width, rows: h0..<h1, value: column, row: nil)
                        for x in 0..<w.outputWidth {
                            let (_, _, w0, w1) = w.maxWindow(y, x)
                            var best = -Float.infinity
                            for c in w0..<Swift.max(w0, w1) {
                                let v = column[c]
                                if v > best || v.isNaN { best = v }
                                if best.isNaN { break }
                            }
                            o[y * w.outputWidth + x] = best
                        }
                    }
                }
            }
            return
        }
        parallel(planes, grain: w.poolGrain) { r in
            for p in r {
                let plane = src + p * w.inputArea, o = dst + p * w.outputArea
                for y in 0..<w.outputHeight {
                    for x in 0..<w.outputWidth { o[y * w.outputWidth + x] = w.argmax(plane, y, x).1 }
                }
            }
        }
    }

    public func maxPool2dBackward(_ gradOutput: Storage, _ x: Storage, planes: Int, window w: Window2d, into gradInput: Storage) {
        nonisolated(unsafe) let src = x.floats, g = gradOutput.floats, dst = gradInput.floats
        if w.dilationHeight == 1 && w.dilationWidth == 1 {
            parallel(planes, grain: w.poolGrain) { r in
                let value = UnsafeMutablePointer<Float>.allocate(capacity: w.width)
                let row = UnsafeMutablePointer<Int32>.allocate(capacity: w.width)
                defer {
                    value.deallocate()
                    row.deallocate()
                }
                for p in r {
                    let plane = src + p * w.inputArea, gi = dst + p * w.inputArea, go = g + p * w.outputArea
                    gi.update(repeating: 0, count: w.inputArea)
                    for y in 0..<w.outputHeight {
                        let (h0, h1, _, _) = w.maxWindow(y, 0)
                        guard h0 < h1 else { continue }
                        CPUBackend.columnArgmax(plane, width: w.width, rows: h0..<h1, value: value, row: row)
                        for x in 0..<w.outputWidth {
                            let (_, _, w0, w1) = w.maxWindow(y, x)
                            guard w0 < w1 else { continue }
                            // torch's choice in row-major order: the first maximum, but the last
                            // NaN (a NaN replaces whatever came before it). By columns: a NaN
                            // beats a number and a NaN in an earlier row; a larger number wins,
                            // an equal one only from an earlier row.
                            var best = w0
                            for c in w0 + 1..<w1 {
                                let v = value[c], b = value[best]
                                let wins = v.isNaN ? (!b.isNaN || row[c] >= row[best]) : (!b.isNaN && (v > b || (v == b && row[c] < row[best])))
                                if wins { best = c }
                            }
                            gi[Int(row[best]) * w.width + best] += go[y * w.outputWidth + x]
                        }
                    }
                }
            }
            return
        }
        parallel(planes, grain: w.poolGrain) { r in
            for p in r {
                let plane = src + p * w.inputArea, gi = dst + p * w.inputArea, go = g + p * w.outputArea
                gi.update(repeating: 0, count: w.inputArea)
                for y in 0..<w.outputHeight {
                    for x in 0..<w.outputWidth {
                        let i = w.argmax(plane, y, x).0
                        if i >= 0 { gi[i] += go[y * w.outputWidth + x] }
                    }
                }
            }
        }
    }

    /// For each column c of `plane` (rows `width` long): the maximum over `rows` and (when `row`
    /// is given) the first row holding it, or the last row holding a NaN (a NaN replaces
    /// anything, as in torch).
    static func columnArgmax(
        _ plane: UnsafeMutablePointer<Float>, width: Int, rows: Range<Int>,
        value: UnsafeMutablePointer<Float>, row: UnsafeMutablePointer<Int32>?
    ) {
        value.update(from: plane + rows.lowerBound * width, count: width)
        row?.update(repeating: Int32(rows.lowerBound), count: width)
        for h in rows.dropFirst() {
            let src = plane + h * width
            let hv = SIMD16<Int32>(repeating: Int32(h))
            var i = 0
            while i + 16 <= width {
                let a = load16(value + i), b = load16(src + i)
                let take = (b .> a) .| (b .!= b)
                store16(a.replacing(with: b, where: take), value + i)
                if let row {
                    let ri = UnsafeMutableRawPointer(row + i)
                    let r = ri.loadUnaligned(as: SIMD16<Int32>.self)
                    ri.storeBytes(of: r.replacing(with: hv, where: take), as: SIMD16<Int32>.self)
                }
                i += 16
            }
            while i < width {
                let a = value[i], b = src[i]
                if b > a || b.isNaN {
                    value[i] = b
                    row?[i] = Int32(h)
                }
                i += 1
            }
        }
    }

    public func avgPool2d(_ x: Storage, planes: Int, window w: Window2d, countIncludePad: Bool, into out: Storage) {
        nonisolated(unsafe) let src = x.floats, dst = out.floats
        if w.isSmallPool {
            // Small windows (ResNeSt's 2x2 and 3x3 down-sampling): per output row, the sums
            // down the rows its windows cover (16 columns at a time), then across each window.
            parallel(planes, grain: w.poolGrain) { r in
                let column = UnsafeMutablePointer<Float>.allocate(capacity: w.width)
                defer { column.deallocate() }
                for p in r {
                    let plane = src + p * w.inputArea, o = dst + p * w.outputArea
                    for y in 0..<w.outputHeight {
                        let rows = w.averageRows(y)
                        guard !rows.isEmpty else {
                            (o + y * w.outputWidth).update(repeating: 0, count: w.outputWidth)
                            continue
                        }
                        column.update(from: plane + rows.lowerBound * w.width, count: w.width)
                        for h in rows.dropFirst() { addRow(plane + h * w.width, into: column, w.width) }
                        for x in 0..<w.outputWidth {
                            let (_, cols, divisor) = w.averageWindow(y, x, countIncludePad: countIncludePad)
                            var sum: Float = 0
                            for c in cols { sum += column[c] }
                            o[y * w.outputWidth + x] = sum / divisor
                        }
                    }
                }
            }
            return
        }
        parallel(planes, grain: w.poolGrain) { r in
            for p in r {
                let plane = src + p * w.inputArea, o = dst + p * w.outputArea
                for y in 0..<w.outputHeight {
                    for x in 0..<w.outputWidth {
                        let (rows, cols, divisor) = w.averageWindow(y, x, countIncludePad: countIncludePad)
                        var sum: Float = 0
                        for h in rows { sum += rowSum(plane + h * w.width + cols.lowerBound, cols.count) }
                        o[y * w.outputWidth + x] = sum / divisor
                    }
                }
            }
        }
    }

    public func avgPool2dBackward(
        _ gradOutput: Storage, planes: Int, window w: Window2d, countIncludePad: Bool,
        into gradInput: Storage
    ) {
        nonisolated(unsafe) let g = gradOutput.floats, dst = gradInput.floats
        if w.isSmallPool {
            // Per output row: each window's share spread over its columns, then that row of
            // shares added to every input row the windows cover.
            parallel(planes, grain: w.poolGrain) { r in
                let shares = UnsafeMutablePointer<Float>.allocate(capacity: w.width)
                defer { shares.deallocate() }
                for p in r {
                    let gi = dst + p * w.inputArea, go = g + p * w.outputArea
                    gi.update(repeating: 0, count: w.inputArea)
                    for y in 0..<w.outputHeight {
                        let rows = w.averageRows(y)
                        guard !rows.isEmpty else { continue }
                        shares.update(repeating: 0, count: w.width)
                        for x in 0..<w.outputWidth {
                            let (_, cols, divisor) = w.averageWindow(y, x, countIncludePad: countIncludePad)
                            let share = go[y * w.outputWidth + x] / divisor
                            for c in cols { shares[c] += share }
                        }
                        for h in rows { addRow(shares, into: gi + h * w.width, w.width) }
                    }
                }
            }
            return
        }
        parallel(planes, grain: w.poolGrain) { r in
            for p in r {
                let gi = dst + p * w.inputArea, go = g + p * w.outputArea
                gi.update(repeating: 0, count: w.inputArea)
                for y in 0..<w.outputHeight {
                    for x in 0..<w.outputWidth {
                        let (rows, cols, divisor) = w.averageWindow(y, x, countIncludePad: countIncludePad)
                        let share = go[y * w.outputWidth + x] / divisor
                        for h in rows { for c in cols { gi[h * w.width + c] += share } }
                    }
                }
            }
        }
    }
}

/// dst[0..<n] += src[0..<n], 16 floats at a time.
@inline(__always) func addRow(_ src: UnsafeMutablePointer<Float>, into dst: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    while i + 16 <= n {
        store16(load16(dst + i) + load16(src + i), dst + i)
        i += 16
    }
    while i < n {
        dst[i] += src[i]
        i += 1
    }
}
