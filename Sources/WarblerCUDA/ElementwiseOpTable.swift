// The one table of the CUDA elementwise and reduction op codes: each case is the code a kernel
// switches on (its raw value) together with the CUDA C that computes it. The host side
// (CUDABackend+Elementwise.swift) and the kernel source (Kernels+Elementwise.swift) are both
// derived from it, so a code cannot mean one thing on the host and another in the kernel.
import WarblerTensor

/// `unary_op`'s cases; the kernel computes `r` from `v` and the scalars `a`, `b` and `flags`.
enum UnaryKernelOp: Int32, CaseIterable, Sendable {
    case neg, exp, log, sqrt, abs, relu, sigmoid, tanh, square, scale, addScalar, clamp, pow, positiveMask

    /// The CUDA C statement of this case.
    var cuda: String {
        switch self {
        case .neg: "r = -v;"
        case .exp: "r = expf(v);"
        case .log: "r = logf(v);"
        case .sqrt: "r = sqrtf(v);"
        case .abs: "r = fabsf(v);"
        case .relu: "r = v > 0.0f ? v : (isnan(v) ? v : 0.0f);"
        case .sigmoid: "r = sigmoid_(v);"
        case .tanh: "r = tanhf(v);"
        case .square: "r = v * v;"
        case .scale: "r = v * a;"
        case .addScalar: "r = v + a;"
        case .clamp: "r = v; if ((flags & 1) && r < a) r = a; if ((flags & 2) && r > b) r = b;"
        case .pow: "r = powf(v, a);"
        case .positiveMask: "r = v > 0.0f ? 1.0f : 0.0f;"
        }
    }

    /// The kernel case and scalars (a, b, flags: bit 0 lower bound set, bit 1 upper) of `op`.
    static func arguments(of op: UnaryOp) -> (op: UnaryKernelOp, a: Float, b: Float, flags: Int32) {
        switch op {
        case .neg: (.neg, 0, 0, 0)
        case .exp: (.exp, 0, 0, 0)
        case .log: (.log, 0, 0, 0)
        case .sqrt: (.sqrt, 0, 0, 0)
        case .abs: (.abs, 0, 0, 0)
        case .relu: (.relu, 0, 0, 0)
        case .sigmoid: (.sigmoid, 0, 0, 0)
        case .tanh: (.tanh, 0, 0, 0)
        case .square: (.square, 0, 0, 0)
        case .scale(let s): (.scale, s, 0, 0)
        case .addScalar(let s): (.addScalar, s, 0, 0)
        case .clamp(let lo, let hi): (.clamp, lo ?? 0, hi ?? 0, (lo == nil ? 0 : 1) | (hi == nil ? 0 : 2))
        case .pow(let p): (.pow, p, 0, 0)
        case .positiveMask: (.positiveMask, 0, 0, 0)
        }
    }
}

/// `binary_op`'s cases; the kernel computes `r` from `x` (read from a) and `y` (from b).
enum BinaryKernelOp: Int32, CaseIterable, Sendable {
    case add, sub, mul, div, maximum, minimum, equalMask

    init(_ op: BinaryOp) {
        switch op {
        case .add: self = .add
        case .sub: self = .sub
        case .mul: self = .mul
        case .div: self = .div
        case .maximum: self = .maximum
        case .minimum: self = .minimum
        case .equalMask: self = .equalMask
        }
    }

    /// The CUDA C statement of this case.
    var cuda: String {
        switch self {
        case .add: "r = x + y;"
        case .sub: "r = x - y;"
        case .mul: "r = x * y;"
        case .div: "r = x / y;"
        case .maximum: "r = (isnan(x) || isnan(y)) ? WB_NAN : fmaxf(x, y);"
        case .minimum: "r = (isnan(x) || isnan(y)) ? WB_NAN : fminf(x, y);"
        case .equalMask: "r = x == y ? 1.0f : 0.0f;"
        }
    }
}

/// The reduction kernels' `op` argument.
enum ReduceKernelOp: Int32, CaseIterable, Sendable {
    case sum, max

    init(_ op: ReduceOp) {
        switch op {
        case .sum: self = .sum
        case .max: self = .max
        }
    }
}

extension CaseIterable where Self: RawRepresentable, Self.RawValue == Int32 {
    /// The body of a C `switch` over every case (`case code: statement break;`, one a line), and
    /// a default that yields NaN, so a code without a case can never pass for another op.
    static func cudaSwitchCases(_ statement: (Self) -> String) -> String {
        (allCases.map { "        case \($0.rawValue): \(statement($0)) break;" } + ["        default: r = WB_NAN; break;"])
            .joined(separator: "\n")
    }
}
