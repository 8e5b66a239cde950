// The log-mel front-end on a CUDA device, batched: the same numbers as the CPU FrontEnd
// (WarblerFeatures) within float32 rounding. Three paths (`CUDAFrontEndPath`), each checked
// against the CPU by the device parity harness: framing with centre padding and the window
// (NVRTC kernel) -> cuFFT R2C (one batched plan) -> |X|^power -> mel projection with the CPU's
// own MelFilterbank matrix (cuBLAS SGEMM, or a kernel over its non-zero weights) -> power_to_db;
// or all of it in one kernel per frame with its own FFT. Then librosa's top_db per clip. Clips of
// any lengths go in one batch; frames of all clips are numbered back to back and processed in
// chunks of at most `chunkFrames` to bound scratch memory.
import CCUDA
import Foundation
import WarblerFeatures
import WarblerTensor

/// Signals resident on the device: clip c is `lengths[c]` samples at float offset `starts[c]`.
public struct DeviceSignalBatch: @unchecked Sendable {
    let buffer: DeviceBuffer
    public let lengths: [Int]
    public let starts: [Int]
}

/// Log-mel spectrograms resident on the device: clip c's [frameCounts[c], binCount] rows start at
/// row `frameStarts[c]` of `storage` ([total frames, binCount], row-major, on .cuda(i)).
public struct DeviceSpectrogramBatch: @unchecked Sendable {
    public let storage: Storage
    public let frameCounts: [Int]
    public let frameStarts: [Int]
    public let binCount: Int
    public var totalFrames: Int { frameStarts.last.map { $0 + frameCounts.last! } ?? 0 }
}

/// How the GPU front-end computes a batch.
public enum CUDAFrontEndPath: String, Sendable, CaseIterable {
    /// Frames in device memory, cuFFT, a power kernel writing [frames, bins], cuBLAS SGEMM with
    /// the dense [nMels, bins] matrix, a dB kernel.
    case cufftGEMM = "cufft+gemm"
    /// Frames in device memory, cuFFT, then one kernel per frame: power in shared memory, each
    /// band's non-zero weights in bin order, dB.
    case cufftSparse = "cufft+sparse"
    /// One kernel per frame for everything (own radix-2 FFT in shared memory): nothing but the
    /// signal and the result touch device memory. Needs nFFT a power of two, 4 ... 4096; other
    /// sizes take `cufftSparse`. Correct but slower than `cufftSparse` (one radix-2 butterfly
    /// per thread between barriers: latency-bound; docs/benchmarks.md); kept for tuning.
    case fused
}

public final class CUDAFrontEnd: @unchecked Sendable {
    public let config: FrontEndConfig
    public let device: CUDADevice
    public let filterbank: MelFilterbank
    /// Frames per cuFFT batch (scratch: ~16 bytes x nFFT per frame).
    public var chunkFrames = 131_072
    /// The default is the fastest measured (docs/gpu.md): cuFFT + the sparse mel kernel.
    public var path: CUDAFrontEndPath = .cufftSparse
    private let window: DeviceBuffer
    private let melWeights: DeviceBuffer
    /// The matrix's non-zero weights: per band the first bin, the count and the offset (int32,
    /// 3 x nMels), then the weights themselves.
    private let sparseTable: DeviceBuffer
    private let sparseWeights: DeviceBuffer
    /// exp(-2 pi i k / nFFT) for k < nFFT / 2 (float64, rounded), for the fused path.
    private let twiddles: DeviceBuffer
    private let fusedKernels: CUDAKernelModule
    private let kernels: CUDAKernelModule

    public init(config: FrontEndConfig = FrontEndConfig(), device ordinal: Int = 0) throws {
        try config.validate()
        self.config = config
        let device = try CUDADevice.get(ordinal)
        self.device = device
        let bank = MelFilterbank(config: config)
        filterbank = bank
        let w = config.window.padded(length: config.effectiveWinLength, to: config.nFFT)
        let windowBuffer = try device.allocate(floats: w.count)
        try w.withUnsafeBytes { try device.upload($0, to: windowBuffer.pointer) }
        window = windowBuffer
        let weights = try device.allocate(floats: bank.weights.count)
        try bank.weights.withUnsafeBytes { try device.upload($0, to: weights.pointer) }
        melWeights = weights
        var first: [Int32] = [], lengths: [Int32] = [], offsets: [Int32] = [], values: [Float] = []
        let bins = bank.binCount
        for m in 0..<bank.melCount {
            let row = bank.weights[m * bins..<(m + 1) * bins]
            let lo = row.firstIndex { $0 != 0 }.map { $0 - m * bins } ?? 0
            let hi = row.lastIndex { $0 != 0 }.map { $0 - m * bins + 1 } ?? 0
            first.append(Int32(lo))
            lengths.append(Int32(max(0, hi - lo)))
            offsets.append(Int32(values.count))
            if hi > lo { values += bank.weights[m * bins + lo..<m * bins + hi] }
        }
        let table = first + lengths + offsets
        let tableBuffer = try device.allocate(floats: table.count)
        try table.withUnsafeBytes { try device.upload($0, to: tableBuffer.pointer) }
        sparseTable = tableBuffer
        let valueBuffer = try device.allocate(floats: max(1, values.count))
        try values.withUnsafeBytes { try device.upload($0, to: valueBuffer.pointer) }
        sparseWeights = valueBuffer
        kernels = try device.module(.frontEnd)
        fusedKernels = try device.module(.fusedFrontEnd)
        let half = config.nFFT / 2
        let tw = (0..<max(1, half)).flatMap { k -> [Float] in
            let a = -2 * Double.pi * Double(k) / Double(config.nFFT)
            return [Float(cos(a)), Float(sin(a))]
        }
        let twiddleBuffer = try device.allocate(floats: tw.count)
        try tw.withUnsafeBytes { try device.upload($0, to: twiddleBuffer.pointer) }
        twiddles = twiddleBuffer
    }

    /// Whether the fused path can take this configuration (nFFT a power of two, 4 ... 4096).
    public var fusedSupported: Bool { config.nFFT >= 4 && config.nFFT <= 4096 && config.nFFT & (config.nFFT - 1) == 0 }

    /// The path a batch actually takes.
    public var effectivePath: CUDAFrontEndPath { path == .fused && !fusedSupported ? .cufftSparse : path }

    /// Samples of padding at each end: nFFT/2 when centred (as FrontEnd.padding).
    public var padding: Int { config.center ? config.nFFT / 2 : 0 }

    /// Frames for `n` samples (as FrontEnd.frameCount).
    public func frameCount(sampleCount n: Int) -> Int {
        let padded = n + 2 * padding
        return padded >= config.nFFT ? 1 + (padded - config.nFFT) / config.hopLength : 0
    }

    /// The log-mel spectrogram of one signal, [frames, nMels].
    public func callAsFunction(_ samples: [Float]) throws -> Spectrogram {
        try callAsFunction(batch: [samples])[0]
    }

    /// Log-mel spectrograms of many clips (any lengths), copied back to the host.
    public func callAsFunction(batch: [[Float]]) throws -> [Spectrogram] {
        try download(compute(upload(batch: batch)))
    }

    /// Copies clips to the device (through pinned staging buffers), back to back.
    public func upload(batch: [[Float]]) throws -> DeviceSignalBatch {
        for clip in batch { try checkLength(clip.count) }
        var starts: [Int] = []
        var total = 0
        for clip in batch { starts.append(total); total += clip.count }
        let buffer = try device.allocate(floats: max(1, total))
        for (clip, start) in zip(batch, starts) {
            try clip.withUnsafeBytes { try device.upload($0, to: buffer.address(float: start)) }
        }
        return DeviceSignalBatch(buffer: buffer, lengths: batch.map(\.count), starts: starts)
    }

    /// The front-end on device-resident clips; the result stays on the device. Returns once the
    /// work is queued (call `device.synchronize()` or `download` to wait for it).
    public func compute(_ signals: DeviceSignalBatch) throws -> DeviceSpectrogramBatch {
        let segments = zip(signals.starts, signals.lengths).map { start, n in
            Segment(offset: start, viewStart: 0, total: n, firstFrame: 0, frames: frameCount(sampleCount: n))
        }
        return try run(signals.buffer, segments: segments, topDB: true)
    }

    /// Frames firstFrame ..< firstFrame + frames of a clip of `total` samples whose samples from
    /// absolute index `viewStart` on are on the device at float `offset` of the signal buffer.
    struct Segment {
        var offset: Int
        var viewStart: Int
        var total: Int
        var firstFrame: Int
        var frames: Int
    }

    /// The pipeline on segments of clips in `signal`; top_db per segment when `topDB` (the
    /// whole clip must then be one segment).
    func run(_ signal: DeviceBuffer, segments: [Segment], topDB: Bool) throws -> DeviceSpectrogramBatch {
        let counts = segments.map(\.frames)
        var frameStarts: [Int] = []
        var totalFrames = 0
        for c in counts { frameStarts.append(totalFrames); totalFrames += c }
        let nFFT = config.nFFT, bins = config.binCount, nMels = config.nMels
        let mel = try device.allocate(floats: max(1, totalFrames * nMels))
        let clips = segments.count
        // Per-segment tables of int64 (frameStart has one extra entry: the total).
        var words = segments.map { Int64($0.offset - $0.viewStart) } + segments.map { Int64($0.total) }
        words += segments.map { Int64($0.firstFrame) } + (frameStarts + [totalFrames]).map(Int64.init)
        let table = try device.allocate(floats: 2 * words.count)
        try words.withUnsafeBytes { try device.upload($0, to: table.pointer) }
        let clipStart = table.pointer, clipLength = table.address(float: 2 * clips)
        let clipFrame = table.address(float: 4 * clips), frameStart = table.address(float: 6 * clips)

        // power_to_db's reference term, computed with Python floats (float64) as librosa does.
        let dbOffset = Float(10 * log10(max(Double(config.amin), Double(config.ref))))
        let route = effectivePath
        if totalFrames > 0 {
            let chunk = min(chunkFrames, totalFrames)
            let scratch =
                route == .fused
                ? nil
                : try (
                    frames: device.allocate(floats: chunk * nFFT),
                    spectra: device.allocate(floats: chunk * bins * 2)
                )
            let power = route == .cufftGEMM ? try device.allocate(floats: chunk * bins) : nil
            let reflect = Int32(config.padMode == .reflect ? 1 : 0)
            let sparse: [KernelArg] = [
                .pointer(sparseTable.pointer), .pointer(sparseTable.address(float: nMels)),
                .pointer(sparseTable.address(float: 2 * nMels)), .pointer(sparseWeights.pointer),
                .int32(Int32(nMels)),
            ]
            let dB: [KernelArg] = [.int32(config.decibels ? 1 : 0), .float(config.amin), .float(dbOffset)]
            var first = 0
            while first < totalFrames {
                let n = min(chunk, totalFrames - first)
                let rows = KernelArg.pointer(mel.address(float: first * nMels))
                guard let scratch else {
                    let half = nFFT / 2
                    try fusedKernels.launch(
                        "fused_log_mel", blocks: (n, 1, 1), threads: 256, shared: half * 8 + (half + 1) * 4,
                        [
                            .pointer(signal.pointer), .pointer(clipStart), .pointer(clipLength), .pointer(clipFrame), .pointer(frameStart),
                            .int32(Int32(clips)), .int64(Int64(first)), .int32(Int32(nFFT)), .int32(Int32(half.trailingZeroBitCount)),
                            .int32(Int32(config.hopLength)), .int32(Int32(padding)), .int32(reflect),
                            .pointer(window.pointer), .pointer(twiddles.pointer), .float(config.power),
                        ] + sparse + [rows] + dB)
                    first += n
                    continue
                }
                try kernels.launch(
                    "frame_window", blocks: (n, 1, 1), threads: 256,
                    [
                        .pointer(signal.pointer), .pointer(clipStart), .pointer(clipLength), .pointer(clipFrame), .pointer(frameStart),
                        .int32(Int32(clips)), .int64(Int64(first)), .int32(Int32(nFFT)),
                        .int32(Int32(config.hopLength)), .int32(Int32(padding)), .int32(reflect),
                        .pointer(window.pointer), .pointer(scratch.frames.pointer),
                    ])
                try CUDAFFTPlan.shared(device: device, size: nFFT, batch: n).forward(scratch.frames.pointer, into: scratch.spectra.pointer)
                if let power {
                    try kernels.launch(
                        "power_spectrum", count: n * bins,
                        [
                            .pointer(scratch.spectra.pointer), .pointer(power.pointer), .int64(Int64(n * bins)), .float(config.power),
                        ])
                    // mel [n, nMels] = power [n, bins] x W^T, W [nMels, bins].
                    try device.gemm(
                        transA: false, transB: true, m: n, n: nMels, k: bins, alpha: 1,
                        a: power.pointer, aBatchStride: 0, b: melWeights.pointer, bBatchStride: 0,
                        beta: 0, c: mel.address(float: first * nMels), cBatchStride: 0, batch: 1)
                } else {
                    try kernels.launch(
                        "power_mel_sparse", blocks: (n, 1, 1), threads: 128, shared: bins * 4,
                        [.pointer(scratch.spectra.pointer), .int32(Int32(bins)), .float(config.power)] + sparse + [rows] + dB)
                }
                first += n
            }
            if config.decibels {
                if route == .cufftGEMM {
                    try kernels.launch(
                        "power_to_db", count: totalFrames * nMels,
                        [
                            .pointer(mel.pointer), .int64(Int64(totalFrames * nMels)), .float(config.amin), .float(dbOffset),
                        ])
                }
                if topDB, let top = config.topDB {
                    let maxima = try device.allocate(floats: clips)
                    try kernels.launch(
                        "clip_max", blocks: (clips, 1, 1), threads: 256,
                        [
                            .pointer(mel.pointer), .pointer(frameStart), .int32(Int32(nMels)), .pointer(maxima.pointer),
                        ])
                    let perClip = (counts.max() ?? 0) * nMels
                    try kernels.launch(
                        "clamp_top_db", blocks: (max(1, min((perClip + 255) / 256, 65_535)), clips, 1), threads: 256,
                        [
                            .pointer(mel.pointer), .pointer(frameStart), .int32(Int32(nMels)), .pointer(maxima.pointer), .float(top),
                        ])
                    withExtendedLifetime(maxima) {}
                }
            }
            // The scratch buffers go back to the cache now; later work on the stream reuses them in order.
            withExtendedLifetime((scratch, power)) {}
        }
        withExtendedLifetime((table, signal)) {}
        let storage = Storage(
            device: .cuda(device.ordinal), count: totalFrames * nMels,
            raw: UnsafeMutableRawPointer(bitPattern: UInt(mel.pointer))!,
            release: { _ in withExtendedLifetime(mel) {} })
        return DeviceSpectrogramBatch(storage: storage, frameCounts: counts, frameStarts: frameStarts, binCount: nMels)
    }

    /// Copies a device-resident result to host spectrograms (waits for the device): each clip's
    /// rows go straight into its own array.
    public func download(_ result: DeviceSpectrogramBatch) throws -> [Spectrogram] {
        let base = CUdeviceptr(UInt(bitPattern: result.storage.raw))
        let width = result.binCount
        return try zip(result.frameCounts, result.frameStarts).map { n, s in
            let values = try [Float](unsafeUninitializedCapacity: n * width) { buffer, count in
                try device.download(base + CUdeviceptr(s * width * 4), to: UnsafeMutableRawBufferPointer(buffer))
                count = n * width
            }
            return Spectrogram(frameCount: n, binCount: width, values: values)
        }
    }

    /// The CPU front-end's input checks, with its sentences.
    func checkLength(_ n: Int) throws {
        if n == 0 { throw CUDAError("--input: the signal is empty.") }
        if config.center && config.padMode == .reflect && n < 2 {
            throw CUDAError("--pad-mode: reflect padding needs at least 2 samples, the signal has \(n).")
        }
    }
}
