// The sizes of one direction of one GRU layer run over a whole sequence, and the order its steps
// are taken in: shared by the GRU primitives of every backend (forward and backward) and by
// `Tensor.gruSequence`. Tensors are time-major: step t of [T, B, X] starts at t * B * X.
public struct GRULayout: Sendable, Equatable, CustomStringConvertible {
    /// T: time steps.
    public var steps: Int
    /// B: sequences run side by side.
    public var batch: Int
    /// H: hidden units; the gates are 3H wide, stacked (r, z, n) as PyTorch.
    public var hidden: Int
    /// Walks time from T - 1 down to 0 (a bidirectional GRU's backward direction). Outputs are
    /// stored in time order either way.
    public var reverse: Bool

    public init(steps: Int, batch: Int, hidden: Int, reverse: Bool) {
        self.steps = steps
        self.batch = batch
        self.hidden = hidden
        self.reverse = reverse
    }

    /// The time index of the i-th step taken.
    @inline(__always) public func time(ofStep i: Int) -> Int { reverse ? steps - 1 - i : i }

    /// The time index whose output is the state step t starts from; nil for the first step
    /// taken, which starts from the initial state.
    @inline(__always) public func previous(of t: Int) -> Int? {
        reverse ? (t + 1 < steps ? t + 1 : nil) : (t > 0 ? t - 1 : nil)
    }

    /// The time index of the final state (the last step taken).
    public var lastTime: Int { time(ofStep: steps - 1) }

    /// Floats per step of the saved gates: r, z, n and W_hn h + b_hn, each [B, H].
    public var workspacePerStep: Int { batch * 4 * hidden }

    public var description: String {
        "GRU steps \(steps) batch \(batch) hidden \(hidden)\(reverse ? " reverse" : "")"
    }
}
