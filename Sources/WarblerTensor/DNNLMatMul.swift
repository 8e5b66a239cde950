// GEMM through oneDNN's matmul primitive (its brgemm AVX-512 kernels): faster than Debian's
// OpenBLAS on AVX-512 CPUs (docs/benchmarks.md, "Engine notes"), and on the same OpenMP threads
// as the convolutions, so the two never fight over the cores.
// One primitive per shape, transposition, batch layout and alpha/beta, made on first use and
// cached (the cache is emptied when it grows past `capacity` shapes).
import CDNNL
import Foundation

/// Everything that makes a matmul primitive.
struct DNNLMatMulKey: Hashable {
    let transA: Bool, transB: Bool
    let m: Int, n: Int, k: Int
    let batch: Int
    let aBatchStride: Int, bBatchStride: Int, cBatchStride: Int
    let alpha: Float, beta: Float
}

final class DNNLMatMul {
    let primitive: dnnl_primitive_t
    let a: dnnl_memory_t, b: dnnl_memory_t, c: dnnl_memory_t
    let scratchpad: dnnl_memory_t
    let scratchpadBytes: Int
    let implementation: String

    /// A [batch, m, k] (or [batch, k, m] when transA) with batch stride aBatchStride (0: one
    /// matrix for every batch), B likewise with [k, n] / [n, k], C [batch, m, n].
    init(_ key: DNNLMatMulKey, engine: dnnl_engine_t) throws {
        let (m, n, k) = (Int64(key.m), Int64(key.n), Int64(key.k))
        func desc(_ dims: [Int64], _ strides: [Int64]) throws -> dnnl_memory_desc_t {
            var md = dnnl_memory_desc_t()
            try dnnlCheck(dnnl_memory_desc_init_by_strides(&md, Int32(dims.count), dims, dnnl_f32, strides), "memory_desc_init_by_strides")
            return md
        }
        let batch = Int64(key.batch)
        let aRows: [Int64] = key.transA ? [1, m] : [k, 1]
        let bRows: [Int64] = key.transB ? [1, k] : [n, 1]
        var aDesc = try desc([key.aBatchStride == 0 ? 1 : batch, m, k], [Int64(max(key.aBatchStride, 1))] + aRows)
        var bDesc = try desc([key.bBatchStride == 0 ? 1 : batch, k, n], [Int64(max(key.bBatchStride, 1))] + bRows)
        var cDesc = try desc([batch, m, n], [Int64(max(key.cBatchStride, 1)), n, 1])
        var md = dnnl_matmul_desc_t()
        try dnnlCheck(dnnl_matmul_desc_init(&md, &aDesc, &bDesc, nil, &cDesc), "matmul_desc_init")
        var attr: dnnl_primitive_attr_t?
        try dnnlCheck(dnnl_primitive_attr_create(&attr), "primitive_attr_create")
        defer { dnnl_primitive_attr_destroy(attr) }
        try dnnlCheck(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "set_scratchpad_mode")
        if key.alpha != 1 {
            var alpha = key.alpha
            try dnnlCheck(dnnl_primitive_attr_set_output_scales(attr, 1, 0, &alpha), "set_output_scales")
        }
        if key.beta != 0 {
            var ops: dnnl_post_ops_t?
            try dnnlCheck(dnnl_post_ops_create(&ops), "post_ops_create")
            defer { dnnl_post_ops_destroy(ops) }
            try dnnlCheck(dnnl_post_ops_append_sum(ops, key.beta), "post_ops_append_sum")
            try dnnlCheck(dnnl_primitive_attr_set_post_ops(attr, ops), "set_post_ops")
        }
        var pd: dnnl_primitive_desc_t?
        try dnnlCheck(dnnl_primitive_desc_create(&pd, &md, attr, engine, nil), "primitive_desc_create (matmul)")
        defer { dnnl_primitive_desc_destroy(pd) }
        var name: UnsafePointer<CChar>?
        dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name)
        implementation = name.map { String(cString: $0) } ?? "?"
        var scratch = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0)!.pointee
        scratchpadBytes = dnnl_memory_desc_get_size(&scratch)
        var p: dnnl_primitive_t?, am: dnnl_memory_t?, bm: dnnl_memory_t?, cm: dnnl_memory_t?, sm: dnnl_memory_t?
        try dnnlCheck(dnnl_primitive_create(&p, pd), "primitive_create (matmul)")
        try dnnlCheck(dnnl_memory_create(&am, &aDesc, engine, nil), "memory_create")
        try dnnlCheck(dnnl_memory_create(&bm, &bDesc, engine, nil), "memory_create")
        try dnnlCheck(dnnl_memory_create(&cm, &cDesc, engine, nil), "memory_create")
        try dnnlCheck(dnnl_memory_create(&sm, &scratch, engine, nil), "memory_create (scratchpad)")
        (primitive, a, b, c, scratchpad) = (p!, am!, bm!, cm!, sm!)
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        for mem in [a, b, c, scratchpad] { dnnl_memory_destroy(mem) }
    }

    /// Runs on the caller's matrices (call inside DNNL.run).
    func execute(a pa: UnsafeMutableRawPointer, b pb: UnsafeMutableRawPointer, c pc: UnsafeMutableRawPointer, _ dnnl: DNNL) throws {
        try dnnlCheck(dnnl_memory_set_data_handle(a, pa), "memory_set_data_handle")
        try dnnlCheck(dnnl_memory_set_data_handle(b, pb), "memory_set_data_handle")
        try dnnlCheck(dnnl_memory_set_data_handle(c, pc), "memory_set_data_handle")
        var args = [
            dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: a), dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: b),
            dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: c),
        ]
        if scratchpadBytes > 0 {
            try dnnlCheck(dnnl_memory_set_data_handle(scratchpad, dnnl.buffer(6, bytes: scratchpadBytes)), "memory_set_data_handle")
            args.append(dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: scratchpad))
        }
        try dnnlCheck(dnnl_primitive_execute(primitive, dnnl.stream, Int32(args.count), &args), "primitive_execute (matmul)")
        try dnnlCheck(dnnl_stream_wait(dnnl.stream), "stream_wait")
    }
}

/// The matmul primitives made so far.
final class DNNLMatMuls: @unchecked Sendable {
    static let shared = DNNLMatMuls()
    /// Distinct GEMM shapes kept; past it the cache starts afresh.
    static let capacity = 512
    /// nil entries: oneDNN has no matmul for that key.
    private var entries: [DNNLMatMulKey: DNNLMatMul?] = [:]

    /// Runs the GEMM of `key` on the given matrices; false when oneDNN is unavailable or has no
    /// primitive for it (the caller then takes another path).
    func run(_ key: DNNLMatMulKey, a: UnsafeMutableRawPointer, b: UnsafeMutableRawPointer, c: UnsafeMutableRawPointer, threads: Int) -> Bool {
        guard let dnnl = DNNL.shared else { return false }
        return dnnl.run(threads: threads) {
            if entries[key] == nil {
                if entries.count >= DNNLMatMuls.capacity { entries.removeAll() }
                entries[key] = .some(try? DNNLMatMul(key, engine: dnnl.engine))
            }
            guard let mm = entries[key]!, (try? mm.execute(a: a, b: b, c: c, dnnl)) != nil else { return false }
            return true
        }
    }

    /// The implementation oneDNN picks for `key` (e.g. "brg:avx512_core"), for tests.
    func implementation(_ key: DNNLMatMulKey) -> String? {
        guard let dnnl = DNNL.shared else { return nil }
        return dnnl.run(threads: 1) { (try? DNNLMatMul(key, engine: dnnl.engine))?.implementation }
    }
}
