// The framewise scores of a recording, kept so that new thresholds, hysteresis, minimum
// duration or merge gap re-make the events without running the model again. Kept sparsely: per
// class, the runs of consecutive frames scoring at least `floor`; a frame outside every run
// scored less. Events decoded from them equal the detector's own as long as every offset
// threshold (threshold x hysteresis) is at least the floor, since a frame below the floor can
// neither open, extend nor raise the peak of an event. Bird-free hours cost almost nothing.
//
// Stored beside each journal entry as a little-endian binary file, checked before it is trusted:
//   "WBFS" u32 version=1 | f64 frameRate | u64 frameCount | u32 classes | f32 floor | u64 runs
//   then per run: u32 class | u64 first frame | u32 length | f32 x length
import Foundation

public struct FrameScores: Sendable, Equatable {
    public struct Run: Sendable, Equatable {
        public var classIndex: Int
        public var first: Int
        public var values: [Float]
    }

    /// The default floor: scores below it are not kept (the lowest threshold training picks is
    /// 0.1, times the default hysteresis 0.6, leaves three times this margin).
    public static let defaultFloor: Float = 0.02

    public var frameRate: Double
    public var frameCount: Int
    public var classes: Int
    public var floor: Float
    /// Sorted by first frame, then class.
    public var runs: [Run]

    /// Collects frames one at a time (as the detector hands them to its event tracker).
    public struct Builder {
        let floor: Float
        let frameRate: Double
        private var open: [Run?]
        private var closed: [Run] = []
        private var frames = 0

        public init(classes: Int, floor: Float, frameRate: Double) {
            self.floor = floor
            self.frameRate = frameRate
            open = Array(repeating: nil, count: classes)
        }

        public mutating func push(_ frame: [Float]) {
            for k in open.indices {
                let s = frame[k]
                if s >= floor {
                    if open[k] == nil { open[k] = Run(classIndex: k, first: frames, values: []) }
                    open[k]!.values.append(s)
                } else if let run = open[k] {
                    closed.append(run)
                    open[k] = nil
                }
            }
            frames += 1
        }

        public func finish() -> FrameScores {
            var runs = closed + open.compactMap { $0 }
            runs.sort { ($0.first, $0.classIndex) < ($1.first, $1.classIndex) }
            return FrameScores(frameRate: frameRate, frameCount: frames, classes: open.count, floor: floor, runs: runs)
        }
    }

    /// The events of `policy` and `rule` (sorted by onset, then label), exactly as the detector
    /// finds them; nil when an offset threshold is below the floor (scores under it were not kept).
    public func events(recording: String, policy: LabelPolicy, rule: EventRule) -> [DetectedEvent]? {
        guard policy.classes.count == classes, policy.thresholds.allSatisfy({ $0 * rule.offRatio >= floor }) else { return nil }
        var tracker = StreamingEventTracker(classes: classes, onThresholds: policy.thresholds, frameRate: frameRate, rule: rule)
        var events: [DetectedEvent] = []
        func collect(_ found: [(classIndex: Int, first: Int, end: Int, peak: Float)]) {
            events += tracker.events(found, recording: recording, labels: policy.classes)
        }
        // Frames are rebuilt one at a time from the runs that cover them (runs are in order of
        // their first frame; `active` holds those begun and not yet ended).
        var frame = [Float](repeating: 0, count: classes)
        var active: [Int] = [], next = 0
        for f in 0..<frameCount {
            while next < runs.count && runs[next].first == f { active.append(next); next += 1 }
            for i in active { frame[runs[i].classIndex] = runs[i].values[f - runs[i].first] }
            collect(tracker.push(frame))
            active.removeAll { i in
                let ended = f + 1 >= runs[i].first + runs[i].values.count
                if ended { frame[runs[i].classIndex] = 0 }
                return ended
            }
        }
        collect(tracker.finish())
        events.sort { ($0.onset, $0.label) < ($1.onset, $1.label) }
        return events
    }

    // MARK: - Storage

    static let magic = Array("WBFS".utf8)

    public func encoded() -> Data {
        var d = Data(FrameScores.magic)
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        put(UInt32(1))
        put(frameRate.bitPattern)
        put(UInt64(frameCount))
        put(UInt32(classes))
        put(floor.bitPattern)
        put(UInt64(runs.count))
        for r in runs {
            put(UInt32(r.classIndex))
            put(UInt64(r.first))
            put(UInt32(r.values.count))
            for v in r.values { put(v.bitPattern) }
        }
        return d
    }

    /// Reads what `encoded()` wrote; every count is checked against the bytes that are there,
    /// so a damaged or foreign file is an error naming `source`, never a crash or a huge allocation.
    public init(decoding data: Data, source: String) throws {
        let bytes = [UInt8](data)
        var at = 0
        func fail(_ why: String) -> Error { DetectError("\(source): not a Warbler frame-score file (\(why))") }
        func take<T: FixedWidthInteger>(_: T.Type) throws -> T {
            let n = MemoryLayout<T>.size
            guard at + n <= bytes.count else { throw fail("ends early") }
            var v: T = 0
            for i in 0..<n { v |= T(bytes[at + i]) << (8 * i) }
            at += n
            return v
        }
        guard bytes.count >= 4, Array(bytes[0..<4]) == FrameScores.magic else { throw fail("wrong header") }
        at = 4
        guard try take(UInt32.self) == 1 else { throw fail("unknown version") }
        let rate = Double(bitPattern: try take(UInt64.self))
        let frames = try take(UInt64.self)
        let classes = try take(UInt32.self)
        let floor = Float(bitPattern: try take(UInt32.self))
        let count = try take(UInt64.self)
        guard rate.isFinite, rate > 0, rate <= 1e6, frames <= UInt64(Int32.max), classes >= 1, classes <= 100_000,
            floor.isFinite, floor >= 0, floor <= 1
        else { throw fail("implausible header") }
        // Each run takes at least 20 bytes: a count beyond what is left is a lie.
        guard count <= UInt64((bytes.count - at) / 20) else { throw fail("more runs than bytes") }
        var runs: [Run] = []
        runs.reserveCapacity(Int(count))
        for _ in 0..<count {
            let k = try take(UInt32.self), first = try take(UInt64.self), length = try take(UInt32.self)
            guard k < classes, length >= 1, first < frames, UInt64(length) <= frames - first else { throw fail("a run outside the recording") }
            guard Int(length) * 4 <= bytes.count - at else { throw fail("ends early") }
            var values = [Float](repeating: 0, count: Int(length))
            for i in values.indices {
                let v = Float(bitPattern: try take(UInt32.self))
                guard v.isFinite else { throw fail("a score that is not a number") }
                values[i] = v
            }
            if let last = runs.last, (last.first, last.classIndex) >= (Int(first), Int(k)) { throw fail("runs out of order") }
            runs.append(Run(classIndex: Int(k), first: Int(first), values: values))
        }
        guard at == bytes.count else { throw fail("trailing bytes") }
        self.init(frameRate: rate, frameCount: Int(frames), classes: Int(classes), floor: floor, runs: runs)
    }

    public init(frameRate: Double, frameCount: Int, classes: Int, floor: Float, runs: [Run]) {
        (self.frameRate, self.frameCount, self.classes, self.floor, self.runs) = (frameRate, frameCount, classes, floor, runs)
    }
}
