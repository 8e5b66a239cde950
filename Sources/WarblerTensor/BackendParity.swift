// Backend parity cases: each runs one primitive on a reference backend and on a candidate
// backend with the same random inputs and compares the outputs (ParityResult, Disagreement.swift).
// Used with the ReferenceBackend as reference for every backend (the CPU in WarblerTensorTests,
// each CUDA device in WarblerCUDATests), and with the CPU as reference for a CUDA device by
// DeviceParity (`warbler devices --check`). Shapes include those that select the CPU backend's
// tuned paths (oneDNN or OpenBLAS GEMM, the swapped A B^T, oneDNN's blocked and plain
// convolutions and the exactly-256-output-positions backward rule, small and large pools).
// Tolerances: exact-formula elementwise ops 1e-6 + 1e-5 |ref| (device libm vs glibc differ by an
// ulp or two); sums whose order differs (GEMM, reductions, convolution, pooling gradients with
// atomics) 1e-5 + 1e-4 |ref| (plain reductions: 1e-6 per summed element + 1e-4 |ref|); gathers,
// im2col and max selections exactly.
import Foundation

public struct BackendParity {
    /// The backend whose results count as right.
    let reference: Backend
    /// The backend under test.
    let candidate: Backend
    var rng = ParityRandom(seed: 5)

    public init(reference: Backend, candidate: Backend) {
        self.reference = reference
        self.candidate = candidate
    }

    /// Runs `body` on both backends with `inputs` copied in and `outputs` fresh (reference:
    /// zeros or `initial`; candidate: NaN or `initial`, so an element it fails to write is a
    /// mismatch), and compares the outputs listed in `compare`.
    func check(
        _ name: String, inputs: [[Float]], outputs: [Int], initial: [[Float]?]? = nil, atol: Double, rtol: Double,
        note: String? = nil, _ body: (Backend, [Storage], [Storage]) -> Void
    ) -> [ParityResult] {
        func run(_ b: Backend, poison: Float) -> [[Float]] {
            let ins = inputs.map { values -> Storage in
                let s = b.allocate(values.count)
                values.withUnsafeBufferPointer { b.copy(from: $0, to: s) }
                return s
            }
            let outs = outputs.enumerated().map { i, n -> Storage in
                let s = b.allocate(n)
                if let start = initial?[i] { start.withUnsafeBufferPointer { b.copy(from: $0, to: s) } } else { b.fill(s, with: poison) }
                return s
            }
            body(b, ins, outs)
            return outs.map { s in
                var host = [Float](repeating: 0, count: s.count)
                host.withUnsafeMutableBufferPointer { b.copy(from: s, to: $0) }
                return host
            }
        }
        let expected = run(reference, poison: 0)
        let actual = run(candidate, poison: .nan)
        return zip(expected, actual).enumerated().map { i, pair in
            ParityResult.compare(
                outputs.count > 1 ? "\(name) [out \(i)]" : name, device: candidate.device,
                expected: pair.0, actual: pair.1, atol: atol, rtol: rtol, note: note)
        }
    }

    /// Every case, in a fixed order (the inputs depend on the order).
    public mutating func all() -> [ParityResult] {
        elementwise() + reductions() + gemms() + windows() + channels() + convolutions() + gru() + tunedPaths() + optimizers()
    }

    mutating func elementwise() -> [ParityResult] {
        var r: [ParityResult] = []
        let n = 10_007
        let signed = rng.array(n, -4, 4), positive = rng.array(n, 0.05, 5)
        let ops: [(String, UnaryOp, [Float])] = [
            ("neg", .neg, signed), ("exp", .exp, signed), ("log", .log, positive), ("sqrt", .sqrt, positive),
            ("abs", .abs, signed), ("relu", .relu, signed), ("sigmoid", .sigmoid, signed), ("tanh", .tanh, signed),
            ("square", .square, signed), ("scale", .scale(-1.7), signed), ("addScalar", .addScalar(0.3), signed),
            ("clamp", .clamp(-1, 2), signed), ("clamp lo", .clamp(0.5, nil), signed), ("pow", .pow(1.7), positive),
            ("positiveMask", .positiveMask, signed),
        ]
        for (name, op, x) in ops {
            r += check("unary \(name)", inputs: [x], outputs: [n], atol: 1e-6, rtol: 1e-5) { b, i, o in b.unary(op, i[0], into: o[0]) }
        }
        // b broadcast along axis 0 and 2 ([1, 5, 1] -> [4, 5, 6]); integer-valued inputs so equalMask sees ties.
        let shape: Shape = [4, 5, 6]
        let a = rng.array(120, -3, 3).map { $0.rounded() }, bb = rng.array(5, -3, 3).map { $0.rounded() + 0.0 }
        let binaries: [(String, BinaryOp)] = [
            ("add", .add), ("sub", .sub), ("mul", .mul), ("div", .div), ("maximum", .maximum),
            ("minimum", .minimum), ("equalMask", .equalMask),
        ]
        for (name, op) in binaries {
            let bIn = op == .div ? bb.map { $0 == 0 ? 0.5 : $0 } : bb
            r += check("binary \(name) (broadcast)", inputs: [a, bIn], outputs: [120], atol: 1e-6, rtol: 1e-6) { b, i, o in
                b.binary(op, i[0], strides: [30, 6, 1], i[1], strides: [0, 1, 0], shape: shape, into: o[0])
            }
        }
        let x = rng.array(200)
        r += check("gather (permute + offset)", inputs: [x], outputs: [54], atol: 0, rtol: 0) { b, i, o in
            b.gather(i[0], offset: 7, strides: [1, 30, 6], shape: [6, 3, 3] as Shape, into: o[0])
        }
        let g = rng.array(60)
        r += check("scatterAdd (broadcast adjoint)", inputs: [g], outputs: [40], initial: [rng.array(40)], atol: 1e-5, rtol: 1e-5) { b, i, o in
            b.scatterAdd(i[0], shape: [3, 4, 5] as Shape, into: o[0], offset: 2, strides: [0, 7, 1])
        }
        return r
    }

    mutating func reductions() -> [ParityResult] {
        var r: [ParityResult] = []
        let cases: [(Shape, Set<Int>)] = [
            ([4, 5, 6], [1]), ([4, 5, 6], [0, 2]), ([4, 5, 6], [0, 1, 2]),
            ([3, 5000], [1]), ([2000, 50], [1]), ([64, 33], [0]),
        ]
        for (shape, axes) in cases {
            let x = rng.array(shape.count)
            var outDims = shape.dims
            for a in axes { outDims[a] = 1 }
            let outCount = outDims.reduce(1, *)
            // Float32 sums in different orders: allow 1e-6 per summed element.
            let reduced = Double(shape.count / outCount)
            r += check("reduce sum \(shape) over \(axes.sorted())", inputs: [x], outputs: [outCount], atol: 1e-6 * reduced, rtol: 1e-4) { b, i, o in
                b.reduce(.sum, i[0], shape: shape, axes: axes, into: o[0], indices: nil)
            }
            // Max with indices: the indices travel back as floats (exact below 2^24).
            r += check("reduce max+argmax \(shape) over \(axes.sorted())", inputs: [x], outputs: [outCount, outCount], atol: 0, rtol: 0) { b, i, o in
                var idx = [Int](repeating: -1, count: outCount)
                b.reduce(.max, i[0], shape: shape, axes: axes, into: o[0], indices: &idx)
                let f = idx.map(Float.init)
                f.withUnsafeBufferPointer { b.copy(from: $0, to: o[1]) }
            }
        }
        return r
    }

    mutating func gemms() -> [ParityResult] {
        var r: [ParityResult] = []
        let (m, n, k, batch) = (33, 17, 65, 3)
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = rng.array(batch * m * k), b = rng.array(batch * k * n), c0 = rng.array(batch * m * n)
            r += check(
                "gemm batched tA=\(ta) tB=\(tb) (beta 0.5)", inputs: [a, b], outputs: [batch * m * n], initial: [c0],
                atol: 1e-5, rtol: 1e-4
            ) { be, i, o in
                be.gemm(
                    transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1.3, a: i[0], aOffset: 0, aBatchStride: m * k,
                    b: i[1], bOffset: 0, bBatchStride: k * n, beta: 0.5, c: o[0], cOffset: 0, cBatchStride: m * n, batch: batch)
            }
        }
        let w = rng.array(m * k + 3), x = rng.array(batch * k * n)
        r += check("gemm shared A (stride 0, offset)", inputs: [w, x], outputs: [batch * m * n], atol: 1e-5, rtol: 1e-4) { be, i, o in
            be.gemm(
                transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: i[0], aOffset: 3, aBatchStride: 0,
                b: i[1], bOffset: 0, bBatchStride: k * n, beta: 0, c: o[0], cOffset: 0, cBatchStride: m * n, batch: batch)
        }
        return r
    }

    mutating func windows() -> [ParityResult] {
        var r: [ParityResult] = []
        let planes = 6
        let w = Window2d(height: 11, width: 9, kernel: (3, 2), stride: (2, 1), padding: (1, 1), dilation: (2, 1))
        let x = rng.array(planes * w.inputArea)
        let colsCount = planes * w.kernelArea * w.outputArea
        r += check("im2col (stride, pad, dilation)", inputs: [x], outputs: [colsCount], atol: 0, rtol: 0) { b, i, o in
            b.im2col(i[0], offset: 0, images: 2, channels: 3, window: w, into: o[0])
        }
        let cols = rng.array(colsCount)
        r += check("col2im", inputs: [cols], outputs: [planes * w.inputArea], atol: 1e-5, rtol: 1e-5) { b, i, o in
            b.col2im(i[0], images: 2, channels: 3, window: w, into: o[0], offset: 0)
        }
        let pw = Window2d(height: 10, width: 7, kernel: (3, 3), stride: (2, 2), padding: (1, 1), dilation: (1, 1), ceilMode: true)
        var px = rng.array(planes * pw.inputArea)
        px[5] = .nan  // a NaN wins its windows, as in torch
        let gy = rng.array(planes * pw.outputArea)
        r += check("maxPool2d (ceil, NaN)", inputs: [px], outputs: [planes * pw.outputArea], atol: 0, rtol: 0) { b, i, o in
            b.maxPool2d(i[0], planes: planes, window: pw, into: o[0])
        }
        r += check("maxPool2d backward", inputs: [gy, px], outputs: [planes * pw.inputArea], atol: 1e-6, rtol: 1e-5) { b, i, o in
            b.maxPool2dBackward(i[0], i[1], planes: planes, window: pw, into: o[0])
        }
        for include in [false, true] {
            r += check(
                "avgPool2d (countIncludePad \(include))", inputs: [px.map { $0.isNaN ? 0 : $0 }], outputs: [planes * pw.outputArea],
                atol: 1e-6, rtol: 1e-5
            ) { b, i, o in
                b.avgPool2d(i[0], planes: planes, window: pw, countIncludePad: include, into: o[0])
            }
            r += check(
                "avgPool2d backward (countIncludePad \(include))", inputs: [gy], outputs: [planes * pw.inputArea],
                atol: 1e-6, rtol: 1e-5
            ) { b, i, o in
                b.avgPool2dBackward(i[0], planes: planes, window: pw, countIncludePad: include, into: o[0])
            }
        }
        return r
    }

    mutating func channels() -> [ParityResult] {
        var r: [ParityResult] = []
        let (outer, ch, inner) = (4, 7, 300)
        let x = rng.array(outer * ch * inner, -2, 3), g = rng.array(outer * ch * inner)
        let center = rng.array(ch), scale = rng.array(ch), shift = rng.array(ch)
        r += check("channelMoments", inputs: [x], outputs: [ch, ch], atol: 1e-6, rtol: 1e-5) { b, i, o in
            b.channelMoments(i[0], outer: outer, channels: ch, inner: inner, mean: o[0], variance: o[1])
        }
        for accumulate in [false, true] {
            r += check(
                "channelAffine (accumulate \(accumulate))", inputs: [x, center, scale, shift], outputs: [x.count],
                initial: [accumulate ? g : nil], atol: 1e-6, rtol: 1e-5
            ) { b, i, o in
                b.channelAffine(
                    i[0], outer: outer, channels: ch, inner: inner, center: i[1], scale: i[2], shift: i[3],
                    accumulate: accumulate, into: o[0])
            }
        }
        r += check("channelAffine (no center/shift)", inputs: [x, scale], outputs: [x.count], atol: 1e-6, rtol: 1e-5) { b, i, o in
            b.channelAffine(
                i[0], outer: outer, channels: ch, inner: inner, center: nil, scale: i[1], shift: nil,
                accumulate: false, into: o[0])
        }
        r += check("channelGradientSums", inputs: [g, x, center], outputs: [ch, ch], atol: 1e-5, rtol: 1e-5) { b, i, o in
            b.channelGradientSums(i[0], i[1], center: i[2], outer: outer, channels: ch, inner: inner, sum: o[0], dot: o[1])
        }
        // The fused primitives (Backend+Fused.swift): the device's own or the composed defaults.
        let y = rng.array(x.count, -1, 1), slope = rng.array(ch)
        r += check("reluBackward", inputs: [g, y], outputs: [x.count], atol: 0, rtol: 0) { b, i, o in
            b.reluBackward(i[0], i[1], into: o[0])
        }
        r += check("addReLU", inputs: [x, y], outputs: [x.count], atol: 1e-6, rtol: 1e-6) { b, i, o in
            b.addReLU(i[0], i[1], count: x.count, into: o[0])
        }
        r += check("channelAffineReLU", inputs: [x, center, scale, shift], outputs: [x.count], atol: 1e-6, rtol: 1e-5) { b, i, o in
            b.channelAffineReLU(i[0], outer: outer, channels: ch, inner: inner, center: i[1], scale: i[2], shift: i[3], into: o[0])
        }
        r += check("channelGradientSums (through a ReLU)", inputs: [g, x, center, y], outputs: [ch, ch], atol: 1e-5, rtol: 1e-5) { b, i, o in
            b.channelGradientSums(
                i[0], i[1], center: i[2], reluOutput: i[3], outer: outer, channels: ch, inner: inner,
                sum: o[0], dot: o[1])
        }
        for relu in [false, true] {
            r += check(
                "batchNormInputGradient (relu \(relu))", inputs: [g, x, center, scale, shift, slope, y], outputs: [x.count],
                atol: 1e-5, rtol: 1e-5
            ) { b, i, o in
                b.batchNormInputGradient(
                    i[0], i[1], reluOutput: relu ? i[6] : nil, center: i[2], scale: i[3], shift: i[4],
                    slope: i[5], outer: outer, channels: ch, inner: inner, into: o[0])
            }
        }
        return r
    }

    mutating func convolutions() -> [ParityResult] {
        var r: [ParityResult] = []
        let g = Conv2dGeometry(
            images: 2, channels: 4, outChannels: 6, groups: 2,
            window: Window2d(height: 9, width: 8, kernel: (3, 3), stride: (2, 1), padding: (1, 1)))
        let x = rng.array(g.inputCount), w = rng.array(g.weightCount), bias = rng.array(g.outChannels)
        let dy = rng.array(g.outputCount)
        r += check("conv2d forward (im2col + cuBLAS)", inputs: [x, w, bias], outputs: [g.outputCount], atol: 1e-5, rtol: 1e-4) { b, i, o in
            b.conv2dForward(i[0], weight: i[1], bias: i[2], geometry: g, into: o[0])
        }
        r += check("conv2d backward data", inputs: [dy, w], outputs: [g.inputCount], atol: 1e-5, rtol: 1e-4) { b, i, o in
            b.conv2dBackwardData(i[0], weight: i[1], geometry: g, into: o[0])
        }
        r += check("conv2d backward weights", inputs: [dy, x], outputs: [g.weightCount, g.outChannels], atol: 1e-5, rtol: 1e-4) { b, i, o in
            b.conv2dBackwardWeights(i[0], i[1], geometry: g, into: o[0], gradBias: o[1])
        }
        let p = Conv2dGeometry(
            images: 3, channels: 5, outChannels: 4, groups: 1,
            window: Window2d(height: 6, width: 7, kernel: (1, 1), stride: (1, 1), padding: (0, 0)))
        let px = rng.array(p.inputCount), pw = rng.array(p.weightCount)
        r += check("conv2d 1x1 forward (plain GEMM)", inputs: [px, pw], outputs: [p.outputCount], atol: 1e-5, rtol: 1e-4) { b, i, o in
            b.conv2dForward(i[0], weight: i[1], bias: nil, geometry: p, into: o[0])
        }
        return r
    }

    mutating func gru() -> [ParityResult] {
        var r: [ParityResult] = []
        let (T, B, H) = (7, 3, 16)
        for reverse in [false, true] {
            let layout = GRULayout(steps: T, batch: B, hidden: H, reverse: reverse)
            let gi = rng.array(T * B * 3 * H), whh = rng.array(3 * H * H, -0.3, 0.3), bhh = rng.array(3 * H), h0 = rng.array(B * H)
            r += check(
                "gruForward (reverse \(reverse))", inputs: [gi, whh, bhh, h0], outputs: [T * B * H, T * B * 4 * H],
                atol: 1e-5, rtol: 1e-4
            ) { b, i, o in
                b.gruForward(i[0], weightHH: i[1], biasHH: i[2], initialHidden: i[3], layout: layout, outputs: o[0], workspace: o[1])
            }
            // The backward from the forward's own outputs (computed by the reference, the same inputs for both).
            let ref = reference
            let refOut = ref.allocate(T * B * H), refWork = ref.allocate(T * B * 4 * H)
            let s = [gi, whh, bhh, h0].map { v -> Storage in
                let st = ref.allocate(v.count)
                v.withUnsafeBufferPointer { ref.copy(from: $0, to: st) }
                return st
            }
            ref.gruForward(s[0], weightHH: s[1], biasHH: s[2], initialHidden: s[3], layout: layout, outputs: refOut, workspace: refWork)
            func host(_ st: Storage) -> [Float] {
                var v = [Float](repeating: 0, count: st.count)
                v.withUnsafeMutableBufferPointer { ref.copy(from: st, to: $0) }
                return v
            }
            let dy = rng.array(T * B * H)
            r += check(
                "gruBackward (reverse \(reverse))", inputs: [dy, whh, h0, host(refOut), host(refWork)],
                outputs: [T * B * 3 * H, 3 * H * H, 3 * H, B * H], atol: 1e-5, rtol: 1e-4
            ) { b, i, o in
                b.gruBackward(
                    i[0], weightHH: i[1], initialHidden: i[2], outputs: i[3], workspace: i[4], layout: layout,
                    gradInputProjections: o[0], gradWeightHH: o[1], gradBiasHH: o[2], gradInitialHidden: o[3])
            }
        }
        return r
    }

    /// Shapes that take the CPU backend's tuned paths (each named after the path it selects on
    /// the CPU; on other backends they are just more shapes).
    mutating func tunedPaths() -> [ParityResult] {
        var r: [ParityResult] = []
        // Elementwise work large enough to be split over threads, VectorMath in full vectors and a tail.
        let n = 300_007
        let big = rng.array(n, -6, 6)
        for (name, op) in [("exp", UnaryOp.exp), ("sigmoid", .sigmoid), ("tanh", .tanh), ("relu", .relu)] {
            r += check("unary \(name) (\(n), threaded)", inputs: [big], outputs: [n], atol: 1e-6, rtol: 1e-5) { b, i, o in
                b.unary(op, i[0], into: o[0])
            }
        }
        // Same-shape contiguous operands: the CPU's one-loop-per-op path.
        let shape: Shape = [7, 301]
        let a = rng.array(shape.count), c = rng.array(shape.count, 0.5, 2)
        for (name, op) in [("add", BinaryOp.add), ("sub", .sub), ("mul", .mul), ("div", .div), ("maximum", .maximum)] {
            r += check("binary \(name) (contiguous)", inputs: [a, c], outputs: [shape.count], atol: 1e-6, rtol: 1e-6) { b, i, o in
                b.binary(op, i[0], strides: shape.strides, i[1], strides: shape.strides, shape: shape, into: o[0])
            }
        }
        // GEMMs of >= 2^16 multiply-adds (oneDNN's matmul on the CPU), one A B^T with few rows
        // (the swapped product), and a batched one.
        let gemms: [(String, Bool, Bool, Int, Int, Int, Int)] = [
            ("gemm oneDNN", false, false, 40, 300, 64, 1), ("gemm oneDNN tA", true, false, 37, 129, 70, 1),
            ("gemm swapped A B^T", false, true, 24, 300, 256, 1), ("gemm oneDNN batched", false, true, 33, 40, 64, 3),
        ]
        for (name, ta, tb, m, nn, k, batch) in gemms {
            let x = rng.array(batch * m * k), y = rng.array(batch * k * nn), c0 = rng.array(batch * m * nn)
            r += check(
                "\(name) [\(m)x\(k)]x[\(k)x\(nn)] x\(batch)", inputs: [x, y], outputs: [batch * m * nn], initial: [c0],
                atol: 1e-5, rtol: 1e-4
            ) { be, i, o in
                be.gemm(
                    transA: ta, transB: tb, m: m, n: nn, k: k, alpha: 0.7, a: i[0], aOffset: 0, aBatchStride: m * k,
                    b: i[1], bOffset: 0, bBatchStride: k * nn, beta: batch == 1 ? 0 : 0.25, c: o[0], cOffset: 0,
                    cBatchStride: m * nn, batch: batch)
            }
        }
        // Convolutions around CPUBackend.automaticLayout's rule: blocked and plain forwards, and
        // backwards at fewer than, exactly and more than 256 output positions.
        let convs: [(String, Conv2dGeometry)] = [
            (
                "3x3 at 256 positions (blocked)",
                Conv2dGeometry(
                    images: 1, channels: 4, outChannels: 8, groups: 1,
                    window: Window2d(height: 16, width: 16, kernel: (3, 3), stride: (1, 1), padding: (1, 1)))
            ),
            (
                "1x1 at 256 positions (plain, im2col backward)",
                Conv2dGeometry(
                    images: 1, channels: 8, outChannels: 4, groups: 1,
                    window: Window2d(height: 16, width: 16, kernel: (1, 1), stride: (1, 1), padding: (0, 0)))
            ),
            (
                "1x1 at 512 positions (plain)",
                Conv2dGeometry(
                    images: 2, channels: 8, outChannels: 4, groups: 1,
                    window: Window2d(height: 16, width: 16, kernel: (1, 1), stride: (1, 1), padding: (0, 0)))
            ),
            (
                "grouped 3x3 at 256 positions",
                Conv2dGeometry(
                    images: 1, channels: 8, outChannels: 8, groups: 2,
                    window: Window2d(height: 16, width: 16, kernel: (3, 3), stride: (1, 1), padding: (1, 1)))
            ),
            (
                "3x3 stride 2 below 256 positions",
                Conv2dGeometry(
                    images: 2, channels: 6, outChannels: 4, groups: 2,
                    window: Window2d(height: 10, width: 11, kernel: (3, 3), stride: (2, 2), padding: (1, 1)))
            ),
            (
                "5x5 dilated at 300 positions",
                Conv2dGeometry(
                    images: 3, channels: 3, outChannels: 5, groups: 1,
                    window: Window2d(height: 14, width: 14, kernel: (5, 5), stride: (1, 1), padding: (2, 2), dilation: (2, 2)))
            ),
        ]
        for (name, g) in convs {
            let x = rng.array(g.inputCount), w = rng.array(g.weightCount), bias = rng.array(g.outChannels)
            let dy = rng.array(g.outputCount)
            r += check("conv2d \(name) forward", inputs: [x, w, bias], outputs: [g.outputCount], atol: 1e-5, rtol: 1e-4) { b, i, o in
                b.conv2dForward(i[0], weight: i[1], bias: i[2], geometry: g, into: o[0])
            }
            r += check("conv2d \(name) backward data", inputs: [dy, w], outputs: [g.inputCount], atol: 1e-5, rtol: 1e-4) { b, i, o in
                b.conv2dBackwardData(i[0], weight: i[1], geometry: g, into: o[0])
            }
            r += check(
                "conv2d \(name) backward weights", inputs: [dy, x], outputs: [g.weightCount, g.outChannels],
                atol: 1e-5, rtol: 1e-4
            ) { b, i, o in
                b.conv2dBackwardWeights(i[0], i[1], geometry: g, into: o[0], gradBias: o[1])
            }
        }
        // Pools with windows larger than 4 x 4 (the CPU's general path; 3 x 3 above is its small one).
        let planes = 5
        let pw = Window2d(height: 13, width: 11, kernel: (5, 5), stride: (2, 2), padding: (2, 2))
        let px = rng.array(planes * pw.inputArea), gy = rng.array(planes * pw.outputArea)
        r += check("maxPool2d 5x5", inputs: [px], outputs: [planes * pw.outputArea], atol: 0, rtol: 0) { b, i, o in
            b.maxPool2d(i[0], planes: planes, window: pw, into: o[0])
        }
        r += check("maxPool2d 5x5 backward", inputs: [gy, px], outputs: [planes * pw.inputArea], atol: 1e-6, rtol: 1e-5) { b, i, o in
            b.maxPool2dBackward(i[0], i[1], planes: planes, window: pw, into: o[0])
        }
        for include in [false, true] {
            r += check(
                "avgPool2d 5x5 (countIncludePad \(include))", inputs: [px], outputs: [planes * pw.outputArea],
                atol: 1e-6, rtol: 1e-5
            ) { b, i, o in
                b.avgPool2d(i[0], planes: planes, window: pw, countIncludePad: include, into: o[0])
            }
            r += check(
                "avgPool2d 5x5 backward (countIncludePad \(include))", inputs: [gy], outputs: [planes * pw.inputArea],
                atol: 1e-6, rtol: 1e-5
            ) { b, i, o in
                b.avgPool2dBackward(i[0], planes: planes, window: pw, countIncludePad: include, into: o[0])
            }
        }
        // A GRU whose hidden size is not a multiple of the CPU's 16 lanes.
        let layout = GRULayout(steps: 4, batch: 5, hidden: 40, reverse: false)
        let (T, B, H) = (layout.steps, layout.batch, layout.hidden)
        let gi = rng.array(T * B * 3 * H), whh = rng.array(3 * H * H, -0.2, 0.2), bhh = rng.array(3 * H), h0 = rng.array(B * H)
        r += check(
            "gruForward (hidden 40)", inputs: [gi, whh, bhh, h0], outputs: [T * B * H, T * B * 4 * H],
            atol: 1e-5, rtol: 1e-4
        ) { b, i, o in
            b.gruForward(i[0], weightHH: i[1], biasHH: i[2], initialHidden: i[3], layout: layout, outputs: o[0], workspace: o[1])
        }
        return r
    }

    /// The optimizer primitives: Adam and AdamW steps (moments updated in place too) and a sum
    /// of squares. The CPU's host loop and the composed default round sqrt and the divisions
    /// differently, hence 1e-6 + 1e-5 |ref|.
    mutating func optimizers() -> [ParityResult] {
        var r: [ParityResult] = []
        let n = 1_001
        let p = rng.array(n), g = rng.array(n), m = rng.array(n, -0.1, 0.1), v = rng.array(n, 0, 0.01)
        for (name, decoupled, wd, beta1) in [
            ("Adam", false, Float(0), Float(0.9)), ("Adam wd", false, 0.1, 0.9),
            ("AdamW", true, 0.01, 0.9), ("Adam beta1 0.3", false, 0, 0.3),
        ] {
            let step = AdamStep(
                beta1: beta1, beta2: 0.999, eps: 1e-8, weightDecay: wd, decoupled: decoupled,
                decay: Float(1 - 0.01 * Double(wd)), stepSize: -0.01 / 0.19, bc2Sqrt: Float(0.002.squareRoot()))
            r += check("adamStep \(name)", inputs: [g], outputs: [n, n, n], initial: [p, m, v], atol: 1e-6, rtol: 1e-5) { b, i, o in
                b.adamStep(o[0], gradient: i[0], expAvg: o[1], expAvgSq: o[2], count: n, step)
            }
        }
        r += check("sumOfSquares", inputs: [g], outputs: [1], atol: 1e-6 * Double(n), rtol: 1e-5) { b, i, o in
            let sum = [Float(b.sumOfSquares(i[0], count: n, adding: 0.5))]
            sum.withUnsafeBufferPointer { b.copy(from: $0, to: o[0]) }
        }
        return r
    }
}
