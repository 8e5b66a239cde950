// oneDNN's CPU engine and stream, shared by every oneDNN primitive WarblerTensor runs, with the
// status check, memory-descriptor helpers, the lock that serialises oneDNN work, the scratch
// buffers that primitives and their layout reorders work in, and the thread count.
//
// Threads: Debian's libdnnl 2.6 is built on OpenMP (libgomp; DNNL_CPU_RUNTIME_OMP in
// dnnl_config.h). A primitive runs on omp_get_max_threads() of the thread that executes it,
// which libgomp keeps per thread, so every execution first sets it (omp_set_num_threads) to the
// backend's thread count, through CLazyLibraries (libgomp comes in with libdnnl, which is
// loaded on first use).
import CDNNL
import CLazyLibraries
import Foundation

/// A oneDNN call that failed.
struct DNNLError: Error, CustomStringConvertible {
    let call: String
    let status: dnnl_status_t
    var description: String { "oneDNN \(call) failed with status \(status.rawValue)" }
}

/// Throws unless `status` is dnnl_success.
@inline(__always) func dnnlCheck(_ status: dnnl_status_t, _ call: @autoclosure () -> String) throws {
    if status != dnnl_success { throw DNNLError(call: call(), status: status) }
}

/// A dense float32 memory descriptor of `dims` in the layout `tag` (dnnl_format_tag_any lets a
/// primitive choose).
func dnnlDescriptor(_ dims: [Int], _ tag: dnnl_format_tag_t, _ type: dnnl_data_type_t = dnnl_f32) throws -> dnnl_memory_desc_t {
    var md = dnnl_memory_desc_t()
    let d = dims.map { Int64($0) }
    try dnnlCheck(dnnl_memory_desc_init_by_tag(&md, Int32(d.count), d, type, tag), "memory_desc_init_by_tag \(dims)")
    return md
}

/// The CPU engine and stream, and the state every oneDNN execution shares. All of it is used
/// under `lock`: a primitive already runs on every core, so nothing is lost by running one
/// at a time, and the scratch buffers can be shared.
final class DNNL: @unchecked Sendable {
    /// The process's oneDNN context; nil when oneDNN cannot make a CPU engine (callers then
    /// take their other path).
    static let shared: DNNL? = try? DNNL()

    let engine: dnnl_engine_t
    let stream: dnnl_stream_t
    private let lock = NSLock()
    /// Grow-only scratch buffers by slot (see `buffer`).
    private var buffers: [Int: (pointer: UnsafeMutableRawPointer, bytes: Int)] = [:]

    private init() throws {
        var engine: dnnl_engine_t?
        try dnnlCheck(dnnl_engine_create(&engine, dnnl_cpu, 0), "engine_create")
        var stream: dnnl_stream_t?
        try dnnlCheck(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "stream_create")
        guard let engine, let stream else { throw DNNLError(call: "engine_create", status: dnnl_runtime_error) }
        self.engine = engine
        self.stream = stream
    }

    deinit {
        for (_, b) in buffers { b.pointer.deallocate() }
        dnnl_stream_destroy(stream)
        dnnl_engine_destroy(engine)
    }

    /// Runs `body` holding the lock, with oneDNN's parallel regions on this thread set to `threads`.
    func run<R>(threads: Int, _ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        warbler_omp_set_num_threads(Int32(threads))
        return try body()
    }

    /// A scratch buffer of at least `bytes` for `slot` (call inside `run`). It is kept and
    /// reused by later calls, growing when a larger one is asked for: reorder buffers are as
    /// large as the activations, and fresh memory of that size would be mapped and
    /// page-faulted on every call (see Conv2dGeometry.columnBudget).
    func buffer(_ slot: Int, bytes: Int) -> UnsafeMutableRawPointer {
        if let b = buffers[slot], b.bytes >= bytes { return b.pointer }
        buffers[slot]?.pointer.deallocate()
        let size = Swift.max(4096, (bytes + 4095) / 4096 * 4096)
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        buffers[slot] = (pointer, size)
        return pointer
    }
}
