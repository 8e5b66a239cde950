// Scale-out (issue 14): which part of a large run one process does. Shard I of N (0-based)
// takes the recordings whose id (AudioInputs.recordingIDs: the path relative to the inputs'
// common folder) hashes, by FNV-1a 64, to I modulo N. The assignment depends on the id alone,
// not on the order files are listed or found in, so a resubmitted array task gets the same
// files, and every recording is in exactly one shard. The shard comes from `--shard I/N` or
// from the scheduler's environment: Slurm array tasks, Kubernetes Indexed Jobs, AWS Batch
// array jobs.
import Foundation

/// Shard `index` of `count` (0 <= index < count <= `Shard.maximumCount`).
public struct Shard: Codable, Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    /// More shards than this is surely a mistake (a job array that size is not schedulable).
    public static let maximumCount = 1_000_000

    public init(index: Int, count: Int) throws {
        guard count >= 1, count <= Shard.maximumCount else {
            throw DetectError("the number of shards must be 1 to \(Shard.maximumCount), not \(count)")
        }
        guard index >= 0, index < count else {
            throw DetectError("shard \(index) does not exist: shards of \(count) are numbered 0 to \(count - 1)")
        }
        (self.index, self.count) = (index, count)
    }

    public var description: String { "\(index)/\(count)" }

    /// "I/N" as on the command line (`--shard 3/16`).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Shard.integer(parts[0]), let n = Shard.integer(parts[1]) else {
            throw DetectError("--shard must be I/N (shard I, counted from 0, of N), not \"\(text)\"")
        }
        try self.init(index: i, count: n)
    }

    /// A plain decimal integer (no sign, space or exponent), small enough to be an index.
    static func integer<S: StringProtocol>(_ s: S) -> Int? {
        guard !s.isEmpty, s.count <= 9, s.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return nil }
        return Int(s)
    }

    /// The shard a scheduler's environment names, or nil when none of its variables is set.
    /// `shards` is `--shards N`; the second value says where the shard came from, for the log.
    ///   Slurm array (`--array=0-(N-1)`): the index is SLURM_ARRAY_TASK_ID; the count is --shards,
    ///          else SLURM_ARRAY_TASK_COUNT, else SLURM_ARRAY_TASK_MAX + 1. Give --shards in the
    ///          batch script: a task resubmitted alone (`sbatch --array=2`) is an array of one.
    ///   Kubernetes Indexed Job: JOB_COMPLETION_INDEX with --shards N (= completions).
    ///   AWS Batch array job: AWS_BATCH_JOB_ARRAY_INDEX with --shards N (= the array size).
    public static func fromEnvironment(_ env: [String: String], shards: Int?) throws -> (shard: Shard, source: String)? {
        func value(_ name: String) throws -> Int? {
            guard let text = env[name] else { return nil }
            guard let v = integer(text.trimmingCharacters(in: .whitespaces)) else {
                throw DetectError("\(name)=\"\(text)\" is not a task index (a whole number, 0 or more)")
            }
            return v
        }
        if let id = try value("SLURM_ARRAY_TASK_ID") {
            let count = try value("SLURM_ARRAY_TASK_COUNT"), maximum = try value("SLURM_ARRAY_TASK_MAX")
            guard let n = shards ?? count ?? maximum.map({ $0 + 1 }) else {
                throw DetectError("SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX is: give --shards N")
            }
            guard id < n else {
                throw DetectError("SLURM_ARRAY_TASK_ID \(id) is not a shard of \(n): number the array 0 to \(n - 1) (sbatch --array=0-\(n - 1))")
            }
            return (try Shard(index: id, count: n), "SLURM_ARRAY_TASK_ID=\(id)")
        }
        for name in ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"] {
            guard let i = try value(name) else { continue }
            guard let shards else { throw DetectError("\(name) is set: give --shards N, the number of tasks of the job") }
            guard i < shards else { throw DetectError("\(name) \(i) is not a shard of \(shards) (--shards): indexes run from 0 to \(shards - 1)") }
            return (try Shard(index: i, count: shards), "\(name)=\(i)")
        }
        return nil
    }

    /// FNV-1a 64 of the UTF-8 bytes.
    public static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// The shard (of `count`) the recording `id` belongs to.
    public static func index(of id: String, count: Int) -> Int {
        Int(fnv1a(id) % UInt64(count))
    }

    /// Whether recording `id` is in this shard.
    public func contains(_ id: String) -> Bool { Shard.index(of: id, count: count) == index }
}
