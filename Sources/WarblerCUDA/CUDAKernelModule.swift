// Kernels compiled at run time: CUDA C source -> NVRTC -> CUBIN for the device's own
// architecture (--gpu-architecture=sm_XY) -> cuModuleLoadData. CUBINs are cached on disk under
// $XDG_CACHE_HOME/warbler/kernels (or ~/.cache/warbler/kernels), named by a 128-bit hash of the
// source, the architecture, the NVRTC version and the options, and written atomically
// (temporary file + rename), so a second process or run loads them without compiling.
import CCUDA
import Foundation

/// CUDA C source of one module: `extern "C" __global__` kernels looked up by name.
struct CUDAKernelSource: Sendable {
    let name: String
    let code: String
}

/// A kernel argument, passed by value.
enum KernelArg {
    case pointer(CUdeviceptr)
    case int32(Int32)
    case int64(Int64)
    case float(Float)
    /// A POD struct's bytes (8-byte aligned), e.g. shapes and strides.
    case bytes([Int64])
}

final class CUDAKernelModule: @unchecked Sendable {
    let device: CUDADevice
    private let module: CUmodule
    private var functions: [String: CUfunction] = [:]
    private let lock = NSLock()
    /// Whether the CUBIN came from the disk cache, and how long getting it took (seconds).
    let fromCache: Bool
    let loadSeconds: Double

    static let options = ["-default-device", "--std=c++17"]

    init(source: CUDAKernelSource, device: CUDADevice) throws {
        self.device = device
        let started = Date()
        let libs = device.libraries
        let arch = device.architecture
        let key = KernelCache.key(source.code, arch, "\(libs.nvrtcVersion.0).\(libs.nvrtcVersion.1)", Self.options.joined(separator: " "))
        var image: [UInt8]
        if let cached = KernelCache.read(key) {
            image = cached
            fromCache = true
        } else {
            image = try Self.compile(source, arch: arch, nvrtc: libs.nvrtc)
            KernelCache.write(key, image)
            fromCache = false
        }
        var m: CUmodule?
        try device.driver.check(
            image.withUnsafeBytes { device.driver.cuModuleLoadData(&m, $0.baseAddress) },
            "cuModuleLoadData(\(source.name))")
        module = m!
        loadSeconds = Date().timeIntervalSince(started)
    }

    /// NVRTC compile to CUBIN; a compile error throws with NVRTC's log.
    static func compile(_ source: CUDAKernelSource, arch: String, nvrtc: NVRTCAPI) throws -> [UInt8] {
        var program: nvrtcProgram?
        try nvrtc.check(nvrtc.nvrtcCreateProgram(&program, source.code, source.name + ".cu", 0, nil, nil), "nvrtcCreateProgram")
        defer { _ = nvrtc.nvrtcDestroyProgram(&program) }
        let opts = ["--gpu-architecture=\(arch)"] + options
        let cStrings = opts.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        let result = cStrings.map { UnsafePointer($0) }.withUnsafeBufferPointer {
            nvrtc.nvrtcCompileProgram(program, Int32(opts.count), $0.baseAddress)
        }
        if result != 0 {
            var size = 0
            _ = nvrtc.nvrtcGetProgramLogSize(program, &size)
            var log = [CChar](repeating: 0, count: max(1, size))
            _ = nvrtc.nvrtcGetProgramLog(program, &log)
            throw CUDAError(
                "NVRTC could not compile the \(source.name) kernels for \(arch): \(String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))"
            )
        }
        var size = 0
        try nvrtc.check(nvrtc.nvrtcGetCUBINSize(program, &size), "nvrtcGetCUBINSize")
        var bytes = [CChar](repeating: 0, count: size)
        try nvrtc.check(nvrtc.nvrtcGetCUBIN(program, &bytes), "nvrtcGetCUBIN")
        return bytes.map { UInt8(bitPattern: $0) }
    }

    func function(_ name: String) throws -> CUfunction {
        lock.lock()
        defer { lock.unlock() }
        if let f = functions[name] { return f }
        var f: CUfunction?
        try device.driver.check(device.driver.cuModuleGetFunction(&f, module, name), "cuModuleGetFunction(\(name))")
        functions[name] = f!
        return f!
    }

    /// Queues kernel `name` on the device's stream with `blocks` x `threads` (1-D unless given).
    func launch(_ name: String, blocks: (Int, Int, Int), threads: Int, shared: Int = 0, _ args: [KernelArg]) throws {
        guard blocks.0 > 0 && blocks.1 > 0 && blocks.2 > 0 else { return }
        let f = try function(name)
        var storage: [UnsafeMutableRawPointer] = []
        defer { storage.forEach { $0.deallocate() } }
        for a in args {
            func put<T>(_ v: T) {
                let p = UnsafeMutableRawPointer.allocate(byteCount: max(8, MemoryLayout<T>.size), alignment: 8)
                p.storeBytes(of: v, as: T.self)
                storage.append(p)
            }
            switch a {
            case .pointer(let v): put(v)
            case .int32(let v): put(v)
            case .int64(let v): put(v)
            case .float(let v): put(v)
            case .bytes(let words):
                let p = UnsafeMutableRawPointer.allocate(byteCount: max(8, words.count * 8), alignment: 8)
                words.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                storage.append(p)
            }
        }
        var params: [UnsafeMutableRawPointer?] = storage
        try device.makeCurrent()
        try device.driver.check(
            params.withUnsafeMutableBufferPointer {
                device.driver.cuLaunchKernel(
                    f, UInt32(blocks.0), UInt32(blocks.1), UInt32(blocks.2), UInt32(threads), 1, 1,
                    UInt32(shared), device.stream, $0.baseAddress, nil)
            }, "cuLaunchKernel(\(name))")
    }

    /// 1-D launch over `count` elements, 256 threads a block (grid-stride loops cover the rest).
    func launch(_ name: String, count: Int, _ args: [KernelArg]) throws {
        guard count > 0 else { return }
        try launch(name, blocks: (min((count + 255) / 256, 1 << 20), 1, 1), threads: 256, args)
    }
}

/// The on-disk CUBIN cache.
enum KernelCache {
    static var folder: String {
        let env = ProcessInfo.processInfo.environment
        let base =
            env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.path + "/.cache"
        return base + "/warbler/kernels"
    }

    /// Two FNV-1a 64-bit hashes with different offsets over every part, as 32 hex digits.
    static func key(_ parts: String...) -> String { key(parts) }

    static func key(_ parts: [String]) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x6c62_272e_07bb_0142
        for part in parts {
            for byte in part.utf8 + [0] {
                a = (a ^ UInt64(byte)) &* 0x100_0000_01b3
                b = (b ^ UInt64(byte)) &* 0x100_0000_01b3 ^ (b >> 29)
            }
        }
        return String(format: "%016llx%016llx", a, b)
    }

    static func path(_ key: String) -> String { folder + "/" + key + ".cubin" }

    static func read(_ key: String) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: path(key)), !data.isEmpty else { return nil }
        return [UInt8](data)
    }

    /// Best effort: a cache that cannot be written only costs a compile next time.
    static func write(_ key: String, _ bytes: [UInt8]) {
        let fm = FileManager.default
        try? fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let tmp = folder + "/.\(key).\(getpid()).tmp"
        guard fm.createFile(atPath: tmp, contents: Data(bytes)) else { return }
        if rename(tmp, path(key)) != 0 { unlink(tmp) }
    }

    /// CUBIN files in the cache.
    static var entries: Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".cubin") }.count
    }
}

/// The kernel cache's location and size, for `warbler devices`.
public enum CUDAKernelCacheInfo {
    public static var folder: String { KernelCache.folder }
    public static var entries: Int { KernelCache.entries }
}

extension CUDAKernelCacheInfo {
    /// The cache key of a kernel build from its parts (source, architecture, NVRTC version, ...).
    public static func key(_ parts: String...) -> String { KernelCache.key(parts) }
}
