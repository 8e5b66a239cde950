// The decoded-audio cache: each recording is decoded, downmixed and resampled once (WarblerAudio's
// AudioLoader), stored as float16 in `<directory>/<key hash>.f16` and memory-mapped on later reads,
// so epochs never decode MP3/OGG again. The key is source path + size + mtime + AudioConfig, so
// a changed or added file is decoded afresh. `index.json` (written atomically) remembers sample
// counts and files that failed to decode; every cache file also carries its key's hash, so the
// data stays correct even when two processes race on the index (the last writer wins, the loser's
// entries are found again by their file names).
import Foundation
import WarblerAudio
import WarblerIO
#if canImport(Glibc)
    import Glibc
#endif

/// Recordings loaded through the cache, and the ones that could not be.
public struct CacheLoad: Sendable {
    /// Loaded audio by source path.
    public var audio: [String: CachedAudio]
    /// Files that are missing or undecodable, each with its cause (report once, then skip).
    public var failures: [SkippedFile]
    /// How many files were decoded in this call (the rest came from the cache).
    public var decoded: Int
}

public final class AudioCache: @unchecked Sendable {
    /// One index record.
    struct Entry: Codable, Equatable {
        var key: String
        /// Cache file name inside the directory; nil for a file that failed to decode.
        var file: String?
        var sampleCount: Int?
        /// Why the file could not be decoded.
        var failure: String?
        /// The cached samples are known to be finite (checked when written or first read back;
        /// nil in indexes written before decoding refused NaN and infinite samples).
        var finite: Bool?
    }
    struct Index: Codable { var version = 1; var entries: [String: Entry] = [:] }

    public let directory: String
    public let config: AudioConfig
    private var index = Index()
    /// Called before each cache file is written, with its path; a throw is taken as the write
    /// failing (tests use it to simulate a full disk).
    public var writeHook: (@Sendable (String) throws -> Void)?
    private let lock = NSLock()

    /// Opens (creating if needed) the cache in `directory` for audio decoded with `config`,
    /// whose sample rate must be set (training needs one rate).
    public init(directory: String, config: AudioConfig = AudioConfig()) throws {
        guard let rate = config.sampleRate, rate > 0 else {
            throw TrainingDataError("the audio cache needs a fixed positive sample rate (the audio config keeps each file's own rate).")
        }
        self.directory = directory
        self.config = config
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw TrainingDataError("\(directory): cannot create the audio-cache folder: \(FileSystemErrors.cause(of: error) ?? String(describing: error)).")
        }
        if let data = FileManager.default.contents(atPath: indexPath),
            let saved = try? JSONDecoder().decode(Index.self, from: data), saved.version == 1
        {
            index = saved
        }
    }

    var indexPath: String { directory + "/index.json" }

    /// The cache key of `path` as it is now: path, size, modification time (ns) and config.
    /// Throws when the file cannot be inspected.
    func key(for path: String) throws -> String {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw TrainingDataError(errno == ENOENT ? "the file does not exist" : "the file cannot be inspected (\(String(cString: strerror(errno))))")
        }
        let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        return "\(path)|\(st.st_size)|\(mtime)|\(config.sampleRate ?? 0)|\(config.quality.rawValue)"
    }

    /// FNV-1a, 64 bit.
    static func hash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    static func fileName(forKey key: String) -> String { String(format: "%016llx.f16", hash(key)) }

    /// Loads every file in `paths`, decoding those not cached (or changed) on up to `threads`
    /// threads, then saves the index. Missing and undecodable files are returned as failures
    /// (a decode failure is remembered, so an unchanged bad file is not decoded again). A cache
    /// file that cannot be written (full disk) throws, naming the folder: it is not the file's fault.
    public func load(
        _ paths: [String], threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) throws -> CacheLoad {
        let unique = Array(Set(paths)).sorted()
        let results = ResultSlots(count: unique.count)
        let counter = ProgressCounter()
        let workers = max(1, min(threads, unique.count))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            for i in stride(from: w, to: unique.count, by: workers) {
                results.set(i, loadOne(unique[i]))
                if let progress { progress(counter.increment(), unique.count) }
            }
        }
        var load = CacheLoad(audio: [:], failures: [], decoded: 0)
        var writeFailures: [(path: String, why: String)] = []
        for (i, r) in results.values.enumerated() {
            switch r! {
            case .loaded(let a, let decoded): load.audio[unique[i]] = a; if decoded { load.decoded += 1 }
            case .failed(let why): load.failures.append(SkippedFile(path: unique[i], cause: why))
            case .cacheWriteFailed(let why): writeFailures.append((unique[i], why))
            }
        }
        // A cache that cannot be written (a full disk, a read-only folder) is not the recordings'
        // fault: leaving them out would train silently on fewer files, so it stops the run.
        if let first = writeFailures.first {
            try? saveIndex()
            throw TrainingDataError(
                "\(directory): writing the audio cache failed for \(writeFailures.count) recording"
                    + (writeFailures.count == 1 ? "" : "s") + " (first: \(first.path): \(first.why)); "
                    + "free some space or choose another --cache, then run again")
        }
        try saveIndex()
        return load
    }

    enum OneResult {
        case loaded(CachedAudio, decoded: Bool)
        /// The recording is missing, unreadable or undecodable: skipped with a warning.
        case failed(String)
        /// The recording decoded but its cache file could not be written or read back.
        case cacheWriteFailed(String)
    }

    /// One file: from the cache when its key matches, else decoded and written.
    private func loadOne(_ path: String) -> OneResult {
        let key: String
        do { key = try self.key(for: path) } catch { return .failed((error as? TrainingDataError)?.message ?? "\(error)") }
        let name = Self.fileName(forKey: key)
        let keyHash = Self.hash(key)
        lock.lock()
        let previous = index.entries[path]
        lock.unlock()
        if let p = previous, p.key == key, let why = p.failure { return .failed(why) }
        if let cached = try? CachedAudio(cacheFile: directory + "/" + name, sourcePath: path), cached.keyHash == keyHash {
            // A cache made before non-finite audio was refused may hold NaN: check it once.
            if !(previous?.key == key && previous?.finite == true), cached.firstNonFinite() != nil {
                let why = "the audio contains NaN or infinite samples."
                record(path, Entry(key: key, failure: why), replacing: previous)
                return .failed(why)
            }
            record(path, Entry(key: key, file: name, sampleCount: cached.count, finite: true), replacing: previous)
            return .loaded(cached, decoded: false)
        }
        let clip: AudioClip
        do { clip = try AudioLoader.load(path, config: config) } catch {
            let why = (error as? AudioError)?.detail ?? (error as? LocalizedError)?.errorDescription ?? "\(error)"
            // Only a decoder's verdict on the file is remembered; anything else is tried again.
            if error is AudioError { record(path, Entry(key: key, failure: why), replacing: previous) }
            return .failed(why)
        }
        guard !clip.samples.isEmpty else {
            record(path, Entry(key: key, failure: "the file holds no audio"), replacing: previous)
            return .failed("the file holds no audio")
        }
        do {
            try writeHook?(directory + "/" + name)
            try CachedAudio.write(clip.samples, sampleRate: clip.sampleRate, keyHash: keyHash, to: directory + "/" + name)
            let audio = try CachedAudio(cacheFile: directory + "/" + name, sourcePath: path)
            record(path, Entry(key: key, file: name, sampleCount: audio.count, finite: true), replacing: previous)
            return .loaded(audio, decoded: true)
        } catch {
            // A cache write failure is not the recording's fault: do not remember it.
            return .cacheWriteFailed((error as? LocalizedError)?.errorDescription ?? "\(error)")
        }
    }

    /// Stores `entry`, deleting the cache file of a stale entry for the same path (readers that
    /// mapped it keep their mapping).
    private func record(_ path: String, _ entry: Entry, replacing previous: Entry?) {
        lock.lock()
        index.entries[path] = entry
        lock.unlock()
        if let old = previous?.file, old != entry.file { unlink(directory + "/" + old) }
    }

    private func saveIndex() throws {
        lock.lock()
        let snapshot = index
        lock.unlock()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(snapshot), to: indexPath)
    }
}

/// Per-index result slots written by concurrent workers (each slot by one worker only).
private final class ResultSlots: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [AudioCache.OneResult?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: AudioCache.OneResult) { lock.lock(); values[i] = v; lock.unlock() }
}

/// A thread-safe counter for progress reports.
private final class ProgressCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func increment() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n }
}
