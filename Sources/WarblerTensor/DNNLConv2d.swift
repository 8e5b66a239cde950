// 2-D convolution through oneDNN's C API on the CPU: forward (+ bias), backward-data and
// backward-weights (+ bias) primitives for one Conv2dGeometry, fp32, created on first use and
// cached by the full geometry (DNNLConv2dCache). Tensors stay plain NCHW / OIHW; where the
// primitive works faster in a blocked layout (nChw16c, OIhw16i16o on AVX-512), which oneDNN
// picks when asked with dnnl_format_tag_any, each operand is reordered into a scratch buffer
// before the primitive and results back afterwards: PyTorch's CPU convolution (ideep) does
// the same with plain tensors. `DNNLConvLayout.plain` asks for plain layouts instead.
// Algorithm: direct (not Winograd, whose rounding differs), as PyTorch asks for.
// oneDNN's dilation counts the gaps (PyTorch's dilation - 1); padding_r is PyTorch's padding:
// oneDNN's output size (H - dilated kernel + pl + pr) / s + 1 is then PyTorch's floor.
import CDNNL
import Foundation

/// The memory layouts a oneDNN convolution is asked to work in.
enum DNNLConvLayout: Hashable, Sendable {
    /// dnnl_format_tag_any: the primitive's choice, reordered to and from.
    case blocked
    /// NCHW activations and OIHW weights as they are: no reorders.
    case plain
    /// Inference in bfloat16: input and weights converted to bf16 (in the primitive's layout)
    /// by the reorders, float32 accumulation and output. Forward only.
    case blockedBF16
}

/// The three passes of a convolution.
enum DNNLConvPass: Hashable, Sendable { case forward, backwardData, backwardWeights }

/// One operand of a primitive: the caller's plain memory and, when the primitive wants another
/// layout, memory in that layout (in scratch slot `slot`) and the reorder between the two.
final class DNNLOperand {
    let arg: Int32
    let isOutput: Bool
    let user: dnnl_memory_t
    let inner: dnnl_memory_t?
    let reorder: dnnl_primitive_t?
    let innerBytes: Int
    let slot: Int

    init(arg: Int32, isOutput: Bool, plain: dnnl_memory_desc_t, chosen: dnnl_memory_desc_t, slot: Int, engine: dnnl_engine_t) throws {
        self.arg = arg
        self.isOutput = isOutput
        self.slot = slot
        var plain = plain, chosen = chosen
        var user: dnnl_memory_t?
        try dnnlCheck(dnnl_memory_create(&user, &plain, engine, nil), "memory_create")
        self.user = user!
        if dnnl_memory_desc_equal(&plain, &chosen) != 0 {
            (inner, reorder, innerBytes) = (nil, nil, 0)
            return
        }
        var inner: dnnl_memory_t?, pd: dnnl_primitive_desc_t?, reorder: dnnl_primitive_t?
        try dnnlCheck(dnnl_memory_create(&inner, &chosen, engine, nil), "memory_create")
        try dnnlCheck(
            isOutput
                ? dnnl_reorder_primitive_desc_create(&pd, &chosen, engine, &plain, engine, nil)
                : dnnl_reorder_primitive_desc_create(&pd, &plain, engine, &chosen, engine, nil),
            "reorder_primitive_desc_create")
        defer { dnnl_primitive_desc_destroy(pd) }
        try dnnlCheck(dnnl_primitive_create(&reorder, pd), "primitive_create (reorder)")
        self.inner = inner
        self.reorder = reorder
        innerBytes = dnnl_memory_desc_get_size(&chosen)
    }

    deinit {
        dnnl_memory_destroy(user)
        if let inner { dnnl_memory_destroy(inner) }
        if let reorder { dnnl_primitive_destroy(reorder) }
    }

    /// The memory the primitive reads or writes.
    var memory: dnnl_memory_t { inner ?? user }

    /// Runs the reorder between the caller's memory and the primitive's.
    func runReorder(_ stream: dnnl_stream_t) throws {
        guard let reorder, let inner else { return }
        var args = [
            dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: isOutput ? inner : user),
            dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: isOutput ? user : inner),
        ]
        try dnnlCheck(dnnl_primitive_execute(reorder, stream, 2, &args), "primitive_execute (reorder)")
    }
}

/// One convolution primitive with its operands and its scratchpad (user-managed, in slot 7).
final class DNNLConvStep {
    let primitive: dnnl_primitive_t
    let operands: [DNNLOperand]
    let scratchpad: dnnl_memory_t
    let scratchpadBytes: Int
    /// The implementation oneDNN chose (e.g. "jit:avx512_core", "gemm:jit").
    let implementation: String

    /// `operands`: (argument, plain descriptor, the query for the descriptor the primitive
    /// chose or nil when it takes the plain one (the bias), is output).
    init(
        _ pd: dnnl_primitive_desc_t, operands specs: [(Int32, dnnl_memory_desc_t, dnnl_query_t?, Bool)],
        engine: dnnl_engine_t
    ) throws {
        operands = try specs.enumerated().map { slot, spec in
            var chosen = spec.1
            if let query = spec.2 {
                guard let md = dnnl_primitive_desc_query_md(pd, query, 0) else {
                    throw DNNLError(call: "primitive_desc_query_md", status: dnnl_invalid_arguments)
                }
                chosen = md.pointee
            }
            return try DNNLOperand(arg: spec.0, isOutput: spec.3, plain: spec.1, chosen: chosen, slot: slot, engine: engine)
        }
        var scratch = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0)!.pointee
        scratchpadBytes = dnnl_memory_desc_get_size(&scratch)
        var memory: dnnl_memory_t?, primitive: dnnl_primitive_t?
        try dnnlCheck(dnnl_memory_create(&memory, &scratch, engine, nil), "memory_create (scratchpad)")
        scratchpad = memory!
        try dnnlCheck(dnnl_primitive_create(&primitive, pd), "primitive_create (convolution)")
        self.primitive = primitive!
        var name: UnsafePointer<CChar>?
        dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name)
        implementation = name.map { String(cString: $0) } ?? "?"
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_memory_destroy(scratchpad)
    }

    /// Runs the primitive on the caller's `pointers` (one per operand, nil for an absent one),
    /// reordering inputs in and outputs out. Call inside DNNL.run.
    func execute(_ pointers: [UnsafeMutableRawPointer?], _ dnnl: DNNL) throws {
        var args: [dnnl_exec_arg_t] = []
        for (op, pointer) in zip(operands, pointers) {
            try dnnlCheck(dnnl_memory_set_data_handle(op.user, pointer), "memory_set_data_handle")
            if let inner = op.inner {
                try dnnlCheck(
                    dnnl_memory_set_data_handle(inner, dnnl.buffer(op.slot, bytes: op.innerBytes)),
                    "memory_set_data_handle")
                if !op.isOutput { try op.runReorder(dnnl.stream) }
            }
            args.append(dnnl_exec_arg_t(arg: op.arg, memory: op.memory))
        }
        if scratchpadBytes > 0 {
            try dnnlCheck(dnnl_memory_set_data_handle(scratchpad, dnnl.buffer(7, bytes: scratchpadBytes)), "memory_set_data_handle")
            args.append(dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: scratchpad))
        }
        try dnnlCheck(dnnl_primitive_execute(primitive, dnnl.stream, Int32(args.count), &args), "primitive_execute (convolution)")
        for op in operands where op.isOutput { try op.runReorder(dnnl.stream) }
        try dnnlCheck(dnnl_stream_wait(dnnl.stream), "stream_wait")
    }
}

/// The oneDNN primitives of one geometry, bias flag and layout. The forward primitive
/// descriptor is kept: the backward ones are made with it as their hint.
final class DNNLConv2d {
    let geometry: Conv2dGeometry
    let bias: Bool
    let layout: DNNLConvLayout
    private let forwardPD: dnnl_primitive_desc_t
    private let attr: dnnl_primitive_attr_t
    private var steps: [DNNLConvPass: DNNLConvStep?] = [:]
    // Plain descriptors and the descriptors the primitives are asked for.
    private let src, weights, dst, biasDesc: dnnl_memory_desc_t
    private let askSrc, askWeights, askDst: dnnl_memory_desc_t
    private let strides, dilates, padding: [Int64]

    init(_ g: Conv2dGeometry, bias: Bool, layout: DNNLConvLayout, engine: dnnl_engine_t) throws {
        self.geometry = g
        self.bias = bias
        self.layout = layout
        let w = g.window
        let srcDims = [g.images, g.channels, w.height, w.width]
        let dstDims = [g.images, g.outChannels, w.outputHeight, w.outputWidth]
        let weightDims =
            g.groups == 1
            ? [g.outChannels, g.channels, w.kernelHeight, w.kernelWidth]
            : [g.groups, g.groupOutChannels, g.groupChannels, w.kernelHeight, w.kernelWidth]
        let weightTag = g.groups == 1 ? dnnl_oihw : dnnl_goihw
        src = try dnnlDescriptor(srcDims, dnnl_nchw)
        dst = try dnnlDescriptor(dstDims, dnnl_nchw)
        weights = try dnnlDescriptor(weightDims, weightTag)
        biasDesc = try dnnlDescriptor([g.outChannels], dnnl_x)
        let any = layout != .plain
        let lowType = layout == .blockedBF16 ? dnnl_bf16 : dnnl_f32
        askSrc = any ? try dnnlDescriptor(srcDims, dnnl_format_tag_any, lowType) : src
        askDst = any ? try dnnlDescriptor(dstDims, dnnl_format_tag_any) : dst
        askWeights = any ? try dnnlDescriptor(weightDims, dnnl_format_tag_any, lowType) : weights
        strides = [w.strideHeight, w.strideWidth].map { Int64($0) }
        dilates = [w.dilationHeight - 1, w.dilationWidth - 1].map { Int64($0) }
        padding = [w.paddingHeight, w.paddingWidth].map { Int64($0) }

        var attr: dnnl_primitive_attr_t?
        try dnnlCheck(dnnl_primitive_attr_create(&attr), "primitive_attr_create")
        try dnnlCheck(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "set_scratchpad_mode")
        self.attr = attr!
        var desc = dnnl_convolution_desc_t()
        var (s, wt, d) = (askSrc, askWeights, askDst)
        let (st, dl, pad) = (strides, dilates, padding)
        try withUnsafePointer(to: biasDesc) { b in
            try dnnlCheck(
                dnnl_dilated_convolution_forward_desc_init(
                    &desc, layout == .blockedBF16 ? dnnl_forward_inference : dnnl_forward_training,
                    dnnl_convolution_direct, &s, &wt,
                    bias ? b : nil, &d, st, dl, pad, pad),
                "convolution_forward_desc_init \(g)")
        }
        var pd: dnnl_primitive_desc_t?
        let status = dnnl_primitive_desc_create(&pd, &desc, attr, engine, nil)
        if status != dnnl_success { dnnl_primitive_attr_destroy(attr) }
        try dnnlCheck(status, "primitive_desc_create (forward) \(g)")
        forwardPD = pd!
    }

    deinit {
        steps.removeAll()
        dnnl_primitive_desc_destroy(forwardPD)
        dnnl_primitive_attr_destroy(attr)
    }

    /// The primitive for `pass`, made on first use; nil when oneDNN has none for this geometry.
    func step(_ pass: DNNLConvPass, engine: dnnl_engine_t) -> DNNLConvStep? {
        if let made = steps[pass] { return made }
        let made = try? makeStep(pass, engine: engine)
        steps[pass] = .some(made)
        return made
    }

    private func makeStep(_ pass: DNNLConvPass, engine: dnnl_engine_t) throws -> DNNLConvStep {
        if layout == .blockedBF16 && pass != .forward {
            throw DNNLError(call: "bf16 convolutions are inference only", status: dnnl_unimplemented)
        }
        if pass == .forward {
            return try DNNLConvStep(
                forwardPD,
                operands: [
                    (DNNL_ARG_SRC, src, dnnl_query_src_md, false), (DNNL_ARG_WEIGHTS, weights, dnnl_query_weights_md, false),
                    (DNNL_ARG_DST, dst, dnnl_query_dst_md, true),
                ] + (bias ? [(DNNL_ARG_BIAS, biasDesc, nil, false)] : []),
                engine: engine)
        }
        var desc = dnnl_convolution_desc_t()
        var (s, wt, d) = (askSrc, askWeights, askDst)
        if pass == .backwardData {
            try dnnlCheck(
                dnnl_dilated_convolution_backward_data_desc_init(
                    &desc, dnnl_convolution_direct, &s, &wt, &d,
                    strides, dilates, padding, padding),
                "convolution_backward_data_desc_init \(geometry)")
        } else {
            try withUnsafePointer(to: biasDesc) { b in
                try dnnlCheck(
                    dnnl_dilated_convolution_backward_weights_desc_init(
                        &desc, dnnl_convolution_direct, &s, &wt,
                        bias ? b : nil, &d, strides, dilates, padding, padding),
                    "convolution_backward_weights_desc_init \(geometry)")
            }
        }
        var pd: dnnl_primitive_desc_t?
        try dnnlCheck(dnnl_primitive_desc_create(&pd, &desc, attr, engine, forwardPD), "primitive_desc_create \(pass) \(geometry)")
        defer { dnnl_primitive_desc_destroy(pd) }
        if pass == .backwardData {
            return try DNNLConvStep(
                pd!,
                operands: [
                    (DNNL_ARG_DIFF_DST, dst, dnnl_query_diff_dst_md, false), (DNNL_ARG_WEIGHTS, weights, dnnl_query_weights_md, false),
                    (DNNL_ARG_DIFF_SRC, src, dnnl_query_diff_src_md, true),
                ], engine: engine)
        }
        return try DNNLConvStep(
            pd!,
            operands: [
                (DNNL_ARG_DIFF_DST, dst, dnnl_query_diff_dst_md, false), (DNNL_ARG_SRC, src, dnnl_query_src_md, false),
                (DNNL_ARG_DIFF_WEIGHTS, weights, dnnl_query_diff_weights_md, true),
            ]
                + (bias ? [(DNNL_ARG_DIFF_BIAS, biasDesc, nil, true)] : []), engine: engine)
    }
}
