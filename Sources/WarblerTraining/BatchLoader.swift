// Batches made on background threads ahead of the consumer. Workers claim batch numbers in
// order, at most `prefetch` ahead of the one the consumer takes next; each batch is computed by one
// worker from its number alone (its own arrays, its own FrontEnd), so the content is the same
// whatever the thread timing. `next()` hands batches out in order and measures how long the
// consumer waited for them (model-idle time).
import Foundation

/// Background-loading settings.
public struct LoaderConfig: Codable, Sendable, Equatable {
    /// Clips per batch.
    public var batchSize = 32
    /// Worker threads making batches.
    public var workers = 2
    /// Most batches made ahead of the consumer (bounds memory).
    public var prefetch = 4
    /// Examples per training epoch; nil means one per training recording. The last partial
    /// batch is dropped.
    public var examplesPerEpoch: Int? = nil

    public init(batchSize: Int = 32, workers: Int = 2, prefetch: Int = 4, examplesPerEpoch: Int? = nil) {
        self.batchSize = batchSize
        self.workers = workers
        self.prefetch = prefetch
        self.examplesPerEpoch = examplesPerEpoch
    }

    public func validate() throws {
        guard batchSize >= 1 else { throw TrainingDataError("the batch size must be at least 1, not \(batchSize).") }
        guard workers >= 1 else { throw TrainingDataError("the loader needs at least 1 worker, not \(workers).") }
        guard prefetch >= 1 else { throw TrainingDataError("the loader must prefetch at least 1 batch, not \(prefetch).") }
        if let e = examplesPerEpoch, e < batchSize {
            throw TrainingDataError("an epoch of \(e) examples holds no full batch of \(batchSize).")
        }
    }
}

public final class BatchLoader: @unchecked Sendable {
    /// Batches this loader hands out: numbers `startBatch ..< batchCount`.
    public let batchCount: Int
    private let state: LoaderState
    private var waited = 0.0

    /// Starts `workers` threads making batches `startBatch ..< batchCount` with `make`, which
    /// receives the worker number and the batch number and must depend on the batch number
    /// only for its content.
    public init(
        batchCount: Int, startBatch: Int = 0, workers: Int, prefetch: Int,
        make: @escaping @Sendable (_ worker: Int, _ batch: Int) throws -> TrainingBatch
    ) {
        self.batchCount = batchCount
        state = LoaderState(next: startBatch, end: batchCount, prefetch: max(1, prefetch))
        for w in 0..<max(1, workers) {
            let s = state
            let t = Thread { s.work(worker: w, make: make) }
            t.name = "warbler-loader-\(w)"
            t.start()
        }
    }

    deinit { state.cancel() }

    /// Total seconds `next()` has waited for a batch that was not ready (the model was idle).
    public var waitedSeconds: Double { waited }

    /// The next batch in order, or nil after the last one; rethrows a worker's error.
    public func next() throws -> TrainingBatch? {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = state.take()
        let wait = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        waited += wait
        return try result?.get()
    }

    /// Stops the workers after the batches they are making; `next()` then returns nil.
    public func cancel() { state.cancel() }
}

/// The shared queue: claim counter, finished batches by number, and the consumer's position.
private final class LoaderState: @unchecked Sendable {
    private let condition = NSCondition()
    private var nextToClaim: Int
    private var nextToTake: Int
    private let end: Int
    private let prefetch: Int
    private var done: [Int: Result<TrainingBatch, Error>] = [:]
    private var cancelled = false

    init(next: Int, end: Int, prefetch: Int) {
        nextToClaim = next
        nextToTake = next
        self.end = end
        self.prefetch = prefetch
    }

    func work(worker: Int, make: (Int, Int) throws -> TrainingBatch) {
        while true {
            condition.lock()
            while !cancelled && nextToClaim < end && nextToClaim >= nextToTake + prefetch { condition.wait() }
            if cancelled || nextToClaim >= end {
                condition.unlock()
                return
            }
            let b = nextToClaim
            nextToClaim += 1
            condition.unlock()
            let r = Result { try make(worker, b) }
            condition.lock()
            done[b] = r
            condition.broadcast()
            condition.unlock()
        }
    }

    func take() -> Result<TrainingBatch, Error>? {
        condition.lock()
        defer { condition.unlock() }
        guard nextToTake < end && !cancelled else { return nil }
        while done[nextToTake] == nil && !cancelled { condition.wait() }
        guard !cancelled, let r = done.removeValue(forKey: nextToTake) else { return nil }
        nextToTake += 1
        condition.broadcast()
        return r
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
