// A plain, slow reference implementation of every backend primitive: naive loops over indices
// straight from each primitive's definition in Backend.swift, sums in Double, no SIMD, BLAS,
// oneDNN, threads or shape-dependent paths. The tuned CPU backend and the GPU backends are tested
// against it (Tests/WarblerTestSupport/ReferenceParity.swift); it is not meant to be fast. The
// fused primitives are the protocol's defaults (Backend+Fused.swift) over the ones below.
import Foundation

public final class ReferenceBackend: Backend, @unchecked Sendable {
    /// Host memory, so its storage can be read by the CPU backend too.
    public let device = Device.cpu

    public init() {}

    public func allocate(_ count: Int) -> Storage {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, count) * 4, alignment: 64)
        return Storage(device: .cpu, count: count, raw: raw, release: { $0.deallocate() })
    }

    public func copy(from host: UnsafeBufferPointer<Float>, to storage: Storage) {
        precondition(host.count == storage.count, "copy: \(host.count) values into storage of \(storage.count)")
        for i in 0..<host.count { storage.floats[i] = host[i] }
    }

    public func copy(from storage: Storage, to host: UnsafeMutableBufferPointer<Float>) {
        precondition(host.count == storage.count, "copy: storage of \(storage.count) into \(host.count) values")
        for i in 0..<host.count { host[i] = storage.floats[i] }
    }

    public func fill(_ storage: Storage, with value: Float) {
        for i in 0..<storage.count { storage.floats[i] = value }
    }

    // MARK: Elementwise, layout and reductions

    /// `op` applied to one value.
    public static func apply(_ op: UnaryOp, _ v: Float) -> Float {
        switch op {
        case .neg: return -v
        case .exp: return Foundation.exp(v)
        case .log: return Foundation.log(v)
        case .sqrt: return v.squareRoot()
        case .abs: return Swift.abs(v)
        case .relu: return v.isNaN ? v : (v > 0 ? v : 0)
        case .sigmoid: return 1 / (1 + Foundation.exp(-v))
        case .tanh: return Foundation.tanh(v)
        case .square: return v * v
        case .scale(let a): return v * a
        case .addScalar(let a): return v + a
        case .clamp(let lo, let hi):
            var r = v
            if let lo, r < lo { r = lo }
            if let hi, r > hi { r = hi }
            return r
        case .pow(let p): return Foundation.pow(v, p)
        case .positiveMask: return v > 0 ? 1 : 0
        }
    }

    /// `op` applied to one pair of values.
    public static func apply(_ op: BinaryOp, _ x: Float, _ y: Float) -> Float {
        switch op {
        case .add: return x + y
        case .sub: return x - y
        case .mul: return x * y
        case .div: return x / y
        case .maximum: return x.isNaN || y.isNaN ? .nan : (x > y ? x : y)
        case .minimum: return x.isNaN || y.isNaN ? .nan : (x < y ? x : y)
        case .equalMask: return x == y ? 1 : 0
        }
    }

    /// The index of each dimension of flat (row-major) index `i` of `shape`.
    static func indices(of i: Int, in shape: [Int]) -> [Int] {
        var rest = i
        var index = [Int](repeating: 0, count: shape.count)
        for k in stride(from: shape.count - 1, through: 0, by: -1) where shape[k] > 0 {
            index[k] = rest % shape[k]
            rest /= shape[k]
        }
        return index
    }

    /// The offset of `index` through `strides`.
    static func offset(_ index: [Int], _ strides: [Int]) -> Int {
        var o = 0
        for k in 0..<index.count { o += index[k] * strides[k] }
        return o
    }

    public func unary(_ op: UnaryOp, _ x: Storage, into out: Storage) {
        for i in 0..<x.count { out.floats[i] = Self.apply(op, x.floats[i]) }
    }

    public func binary(
        _ op: BinaryOp, _ a: Storage, strides aStrides: [Int], _ b: Storage, strides bStrides: [Int],
        shape: Shape, into out: Storage
    ) {
        for i in 0..<shape.count {
            let index = Self.indices(of: i, in: shape.dims)
            out.floats[i] = Self.apply(op, a.floats[Self.offset(index, aStrides)], b.floats[Self.offset(index, bStrides)])
        }
    }

    public func reduce(
        _ op: ReduceOp, _ x: Storage, shape: Shape, axes: Set<Int>, into out: Storage,
        indices: UnsafeMutablePointer<Int>?
    ) {
        let outShape = shape.dims.indices.map { axes.contains($0) ? 1 : shape.dims[$0] }
        let outStrides = Shape(outShape).strides
        let outputs = Shape(outShape).count
        var sums = [Double](repeating: 0, count: outputs)
        var best = [Float](repeating: -.infinity, count: outputs)
        var at = [Int](repeating: -1, count: outputs)
        for i in 0..<shape.count {
            let index = Self.indices(of: i, in: shape.dims)
            let o = Self.offset(index.indices.map { axes.contains($0) ? 0 : index[$0] }, outStrides)
            let v = x.floats[i]
            sums[o] += Double(v)
            // The first maximum in input order wins; the first NaN wins over any number.
            if at[o] < 0 || (!best[o].isNaN && (v.isNaN || v > best[o])) {
                best[o] = v
                at[o] = i
            }
        }
        for o in 0..<outputs {
            switch op {
            case .sum: out.floats[o] = Float(sums[o])
            case .max:
                out.floats[o] = best[o]
                indices?[o] = at[o]
            }
        }
    }

    public func gather(_ x: Storage, offset: Int, strides: [Int], shape: Shape, into out: Storage) {
        for i in 0..<shape.count {
            out.floats[i] = x.floats[offset + Self.offset(Self.indices(of: i, in: shape.dims), strides)]
        }
    }

    public func scatterAdd(_ x: Storage, shape: Shape, into out: Storage, offset: Int, strides: [Int]) {
        for i in 0..<shape.count {
            out.floats[offset + Self.offset(Self.indices(of: i, in: shape.dims), strides)] += x.floats[i]
        }
    }

    public func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: Storage, aOffset: Int, aBatchStride: Int, b: Storage, bOffset: Int, bBatchStride: Int,
        beta: Float, c: Storage, cOffset: Int, cBatchStride: Int, batch: Int
    ) {
        for p in 0..<batch {
            let A = a.floats + aOffset + p * aBatchStride, B = b.floats + bOffset + p * bBatchStride
            let C = c.floats + cOffset + p * cBatchStride
            for i in 0..<m {
                for j in 0..<n {
                    var sum: Double = 0
                    for l in 0..<k {
                        let av = transA ? A[l * m + i] : A[i * k + l]
                        let bv = transB ? B[j * k + l] : B[l * n + j]
                        sum += Double(av) * Double(bv)
                    }
                    // As BLAS: with beta 0, C is not read.
                    C[i * n + j] = beta == 0 ? alpha * Float(sum) : alpha * Float(sum) + beta * C[i * n + j]
                }
            }
        }
    }

    // MARK: Windows (im2col, pooling)

    /// The input row and column tap (i, j) of output position (y, x) reads; may lie in the padding.
    static func tap(_ w: Window2d, _ y: Int, _ x: Int, _ i: Int, _ j: Int) -> (h: Int, w: Int) {
        (y * w.strideHeight - w.paddingHeight + i * w.dilationHeight, x * w.strideWidth - w.paddingWidth + j * w.dilationWidth)
    }

    static func inside(_ w: Window2d, _ h: Int, _ c: Int) -> Bool { h >= 0 && h < w.height && c >= 0 && c < w.width }

    public func im2col(_ x: Storage, offset: Int, images: Int, channels: Int, window w: Window2d, into cols: Storage) {
        let rows = channels * w.kernelArea
        for n in 0..<images {
            for c in 0..<channels {
                for i in 0..<w.kernelHeight {
                    for j in 0..<w.kernelWidth {
                        let row = (c * w.kernelHeight + i) * w.kernelWidth + j
                        for y in 0..<w.outputHeight {
                            for xo in 0..<w.outputWidth {
                                let (h, col) = Self.tap(w, y, xo, i, j)
                                let v = Self.inside(w, h, col) ? x.floats[offset + ((n * channels + c) * w.height + h) * w.width + col] : 0
                                cols.floats[(n * rows + row) * w.outputArea + y * w.outputWidth + xo] = v
                            }
                        }
                    }
                }
            }
        }
    }

    public func col2im(_ cols: Storage, images: Int, channels: Int, window w: Window2d, into x: Storage, offset: Int) {
        let rows = channels * w.kernelArea
        for e in 0..<images * channels * w.inputArea { x.floats[offset + e] = 0 }
        for n in 0..<images {
            for c in 0..<channels {
                for i in 0..<w.kernelHeight {
                    for j in 0..<w.kernelWidth {
                        let row = (c * w.kernelHeight + i) * w.kernelWidth + j
                        for y in 0..<w.outputHeight {
                            for xo in 0..<w.outputWidth {
                                let (h, col) = Self.tap(w, y, xo, i, j)
                                guard Self.inside(w, h, col) else { continue }
                                x.floats[offset + ((n * channels + c) * w.height + h) * w.width + col] +=
                                    cols.floats[(n * rows + row) * w.outputArea + y * w.outputWidth + xo]
                            }
                        }
                    }
                }
            }
        }
    }

    /// The flat in-plane index of the first maximum of window (y, x) (row-major taps; padding
    /// never wins; the first NaN wins over any number), or -1 for a window wholly in the padding.
    static func windowMaximum(_ plane: UnsafeMutablePointer<Float>, _ w: Window2d, _ y: Int, _ x: Int) -> Int {
        var at = -1
        for i in 0..<w.kernelHeight {
            for j in 0..<w.kernelWidth {
                let (h, c) = tap(w, y, x, i, j)
                guard inside(w, h, c) else { continue }
                let v = plane[h * w.width + c]
                if at < 0 || (!plane[at].isNaN && (v.isNaN || v > plane[at])) { at = h * w.width + c }
            }
        }
        return at
    }

    public func maxPool2d(_ x: Storage, planes: Int, window w: Window2d, into out: Storage) {
        for p in 0..<planes {
            let plane = x.floats + p * w.inputArea
            for y in 0..<w.outputHeight {
                for xo in 0..<w.outputWidth {
                    let at = Self.windowMaximum(plane, w, y, xo)
                    out.floats[p * w.outputArea + y * w.outputWidth + xo] = at < 0 ? -.infinity : plane[at]
                }
            }
        }
    }

    public func maxPool2dBackward(_ gradOutput: Storage, _ x: Storage, planes: Int, window w: Window2d, into gradInput: Storage) {
        for e in 0..<planes * w.inputArea { gradInput.floats[e] = 0 }
        for p in 0..<planes {
            for y in 0..<w.outputHeight {
                for xo in 0..<w.outputWidth {
                    let at = Self.windowMaximum(x.floats + p * w.inputArea, w, y, xo)
                    if at >= 0 { gradInput.floats[p * w.inputArea + at] += gradOutput.floats[p * w.outputArea + y * w.outputWidth + xo] }
                }
            }
        }
    }

    /// The in-input taps of average window (y, x) and its divisor (torch avg_pool2d: the window
    /// clipped to the padded input, or to the input itself without `countIncludePad`).
    static func averageTaps(_ w: Window2d, _ y: Int, _ x: Int, countIncludePad: Bool) -> (taps: [(Int, Int)], divisor: Float) {
        let h0 = y * w.strideHeight - w.paddingHeight, c0 = x * w.strideWidth - w.paddingWidth
        let h1 = Swift.min(h0 + w.kernelHeight, w.height + w.paddingHeight)
        let c1 = Swift.min(c0 + w.kernelWidth, w.width + w.paddingWidth)
        var taps: [(Int, Int)] = []
        for h in h0..<Swift.max(h0, h1) { for c in c0..<Swift.max(c0, c1) where inside(w, h, c) { taps.append((h, c)) } }
        return (taps, Float(countIncludePad ? (h1 - h0) * (c1 - c0) : taps.count))
    }

    public func avgPool2d(_ x: Storage, planes: Int, window w: Window2d, countIncludePad: Bool, into out: Storage) {
        for p in 0..<planes {
            for y in 0..<w.outputHeight {
                for xo in 0..<w.outputWidth {
                    let (taps, divisor) = Self.averageTaps(w, y, xo, countIncludePad: countIncludePad)
                    var sum: Double = 0
                    for (h, c) in taps { sum += Double(x.floats[p * w.inputArea + h * w.width + c]) }
                    out.floats[p * w.outputArea + y * w.outputWidth + xo] = taps.isEmpty ? 0 : Float(sum) / divisor
                }
            }
        }
    }

    public func avgPool2dBackward(
        _ gradOutput: Storage, planes: Int, window w: Window2d, countIncludePad: Bool,
        into gradInput: Storage
    ) {
        for e in 0..<planes * w.inputArea { gradInput.floats[e] = 0 }
        for p in 0..<planes {
            for y in 0..<w.outputHeight {
                for xo in 0..<w.outputWidth {
                    let (taps, divisor) = Self.averageTaps(w, y, xo, countIncludePad: countIncludePad)
                    let share = gradOutput.floats[p * w.outputArea + y * w.outputWidth + xo] / divisor
                    for (h, c) in taps { gradInput.floats[p * w.inputArea + h * w.width + c] += share }
                }
            }
        }
    }

    // MARK: Per-channel (batch norm)

    public func channelMoments(_ x: Storage, outer: Int, channels: Int, inner: Int, mean: Storage, variance: Storage) {
        let n = Double(Swift.max(1, outer * inner))
        for c in 0..<channels {
            var sum: Double = 0
            for o in 0..<outer { for i in 0..<inner { sum += Double(x.floats[(o * channels + c) * inner + i]) } }
            let mu = sum / n
            var squares: Double = 0
            for o in 0..<outer {
                for i in 0..<inner {
                    let d = Double(x.floats[(o * channels + c) * inner + i]) - mu
                    squares += d * d
                }
            }
            mean.floats[c] = Float(mu)
            variance.floats[c] = Float(squares / n)
        }
    }

    public func channelAffine(
        _ x: Storage, outer: Int, channels: Int, inner: Int, center: Storage?, scale: Storage,
        shift: Storage?, accumulate: Bool, into out: Storage
    ) {
        for o in 0..<outer {
            for c in 0..<channels {
                for i in 0..<inner {
                    let e = (o * channels + c) * inner + i
                    let y = (x.floats[e] - (center?.floats[c] ?? 0)) * scale.floats[c] + (shift?.floats[c] ?? 0)
                    out.floats[e] = accumulate ? out.floats[e] + y : y
                }
            }
        }
    }

    public func channelGradientSums(
        _ g: Storage, _ x: Storage, center: Storage, outer: Int, channels: Int, inner: Int,
        sum: Storage, dot: Storage
    ) {
        for c in 0..<channels {
            var s: Double = 0, d: Double = 0
            for o in 0..<outer {
                for i in 0..<inner {
                    let e = (o * channels + c) * inner + i
                    s += Double(g.floats[e])
                    d += Double(g.floats[e]) * (Double(x.floats[e]) - Double(center.floats[c]))
                }
            }
            sum.floats[c] = Float(s)
            dot.floats[c] = Float(d)
        }
    }

    // MARK: Convolution (direct, from the definition)

    public func conv2dForward(_ x: Storage, weight: Storage, bias: Storage?, geometry g: Conv2dGeometry, into out: Storage) {
        let w = g.window, Cg = g.groupChannels, Og = g.groupOutChannels
        for n in 0..<g.images {
            for o in 0..<g.outChannels {
                let group = o / Og
                for y in 0..<w.outputHeight {
                    for xo in 0..<w.outputWidth {
                        var sum = Double(bias?.floats[o] ?? 0)
                        for c in 0..<Cg {
                            for i in 0..<w.kernelHeight {
                                for j in 0..<w.kernelWidth {
                                    let (h, col) = Self.tap(w, y, xo, i, j)
                                    guard Self.inside(w, h, col) else { continue }
                                    let xv = x.floats[((n * g.channels + group * Cg + c) * w.height + h) * w.width + col]
                                    let wv = weight.floats[((o * Cg + c) * w.kernelHeight + i) * w.kernelWidth + j]
                                    sum += Double(xv) * Double(wv)
                                }
                            }
                        }
                        out.floats[((n * g.outChannels + o) * w.outputHeight + y) * w.outputWidth + xo] = Float(sum)
                    }
                }
            }
        }
    }

    /// Calls `body(xIndex, weightIndex, outputIndex)` for every product of the convolution.
    private func forEachProduct(_ g: Conv2dGeometry, _ body: (Int, Int, Int) -> Void) {
        let w = g.window, Cg = g.groupChannels, Og = g.groupOutChannels
        for n in 0..<g.images {
            for o in 0..<g.outChannels {
                for y in 0..<w.outputHeight {
                    for xo in 0..<w.outputWidth {
                        let outIndex = ((n * g.outChannels + o) * w.outputHeight + y) * w.outputWidth + xo
                        for c in 0..<Cg {
                            for i in 0..<w.kernelHeight {
                                for j in 0..<w.kernelWidth {
                                    let (h, col) = Self.tap(w, y, xo, i, j)
                                    guard Self.inside(w, h, col) else { continue }
                                    body(
                                        ((n * g.channels + o / Og * Cg + c) * w.height + h) * w.width + col,
                                        ((o * Cg + c) * w.kernelHeight + i) * w.kernelWidth + j, outIndex)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public func conv2dBackwardData(_ gradOutput: Storage, weight: Storage, geometry g: Conv2dGeometry, into gradInput: Storage) {
        var sums = [Double](repeating: 0, count: g.inputCount)
        forEachProduct(g) { xi, wi, oi in sums[xi] += Double(gradOutput.floats[oi]) * Double(weight.floats[wi]) }
        for e in 0..<g.inputCount { gradInput.floats[e] = Float(sums[e]) }
    }

    public func conv2dBackwardWeights(
        _ gradOutput: Storage, _ x: Storage, geometry g: Conv2dGeometry,
        into gradWeight: Storage?, gradBias: Storage?
    ) {
        if let gradWeight {
            var sums = [Double](repeating: 0, count: g.weightCount)
            forEachProduct(g) { xi, wi, oi in sums[wi] += Double(gradOutput.floats[oi]) * Double(x.floats[xi]) }
            for e in 0..<g.weightCount { gradWeight.floats[e] = Float(sums[e]) }
        }
        if let gradBias {
            let area = g.window.outputArea
            for o in 0..<g.outChannels {
                var sum: Double = 0
                for n in 0..<g.images { for p in 0..<area { sum += Double(gradOutput.floats[(n * g.outChannels + o) * area + p]) } }
                gradBias.floats[o] = Float(sum)
            }
        }
    }

    // MARK: GRU (one step at a time, torch.nn.GRU's equations)

    public func gruForward(
        _ gi: Storage, weightHH: Storage, biasHH: Storage?, initialHidden: Storage, layout: GRULayout,
        outputs: Storage, workspace: Storage?
    ) {
        let B = layout.batch, H = layout.hidden, G = 3 * H
        for step in 0..<layout.steps {
            let t = layout.time(ofStep: step)
            let h = layout.previous(of: t).map { outputs.floats + $0 * B * H } ?? initialHidden.floats
            for b in 0..<B {
                // W_hh h + b_hh for the three gates of row b.
                var gh = [Float](repeating: 0, count: G)
                for k in 0..<G {
                    var sum: Double = 0
                    for j in 0..<H { sum += Double(weightHH.floats[k * H + j]) * Double(h[b * H + j]) }
                    gh[k] = Float(sum) + (biasHH?.floats[k] ?? 0)
                }
                let x = gi.floats + (t * B + b) * G
                for j in 0..<H {
                    let r = Self.apply(.sigmoid, x[j] + gh[j])
                    let z = Self.apply(.sigmoid, x[H + j] + gh[H + j])
                    let n = Foundation.tanh(x[2 * H + j] + r * gh[2 * H + j])
                    outputs.floats[(t * B + b) * H + j] = (1 - z) * n + z * h[b * H + j]
                    if let workspace {
                        let w = workspace.floats + (t * B + b) * 4 * H
                        (w[j], w[H + j], w[2 * H + j], w[3 * H + j]) = (r, z, n, gh[2 * H + j])
                    }
                }
            }
        }
    }

    public func gruBackward(
        _ gradOutputs: Storage, weightHH: Storage, initialHidden: Storage, outputs: Storage,
        workspace: Storage, layout: GRULayout, gradInputProjections: Storage,
        gradWeightHH: Storage?, gradBiasHH: Storage?, gradInitialHidden: Storage
    ) {
        let B = layout.batch, H = layout.hidden, G = 3 * H
        var weightSums = [Double](repeating: 0, count: G * H), biasSums = [Double](repeating: 0, count: G)
        // dL/dh of the state the current step started from, carried backwards in time.
        var carry = [Float](repeating: 0, count: B * H)
        for step in stride(from: layout.steps - 1, through: 0, by: -1) {
            let t = layout.time(ofStep: step)
            let h = layout.previous(of: t).map { outputs.floats + $0 * B * H } ?? initialHidden.floats
            var next = [Float](repeating: 0, count: B * H)
            for b in 0..<B {
                let w = workspace.floats + (t * B + b) * 4 * H
                // dL/d(W_hh h + b_hh) of this row, gates (r, z, n).
                var dgh = [Float](repeating: 0, count: G)
                for j in 0..<H {
                    let (r, z, n, hn) = (w[j], w[H + j], w[2 * H + j], w[3 * H + j])
                    let dh = gradOutputs.floats[(t * B + b) * H + j] + carry[b * H + j]
                    let dn = dh * (1 - z) * (1 - n * n)
                    let dz = dh * (h[b * H + j] - n) * z * (1 - z)
                    let dr = dn * hn * r * (1 - r)
                    let dx = gradInputProjections.floats + (t * B + b) * G
                    (dx[j], dx[H + j], dx[2 * H + j]) = (dr, dz, dn)
                    (dgh[j], dgh[H + j], dgh[2 * H + j]) = (dr, dz, dn * r)
                    next[b * H + j] = dh * z
                }
                for j in 0..<H {
                    var sum: Double = 0
                    for k in 0..<G { sum += Double(dgh[k]) * Double(weightHH.floats[k * H + j]) }
                    next[b * H + j] += Float(sum)
                }
                for k in 0..<G {
                    biasSums[k] += Double(dgh[k])
                    for j in 0..<H { weightSums[k * H + j] += Double(dgh[k]) * Double(h[b * H + j]) }
                }
            }
            carry = next
        }
        for e in 0..<B * H { gradInitialHidden.floats[e] = carry[e] }
        if let gradWeightHH { for e in 0..<G * H { gradWeightHH.floats[e] = Float(weightSums[e]) } }
        if let gradBiasHH { for e in 0..<G { gradBiasHH.floats[e] = Float(biasSums[e]) } }
    }
}
