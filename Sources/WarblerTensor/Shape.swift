// Tensor shapes: dimensions, element counts, row-major strides and numpy broadcasting.
public struct Shape: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral, Codable {
    public var dims: [Int]

    public init(_ dims: [Int]) {
        precondition(dims.allSatisfy { $0 >= 0 }, "Shape: negative dimension in \(dims)")
        self.dims = dims
    }

    public init(arrayLiteral elements: Int...) { self.init(elements) }

    public var rank: Int { dims.count }
    public var count: Int { dims.reduce(1, *) }
    public subscript(i: Int) -> Int { dims[i < 0 ? dims.count + i : i] }

    /// Row-major (C-contiguous) strides in elements.
    public var strides: [Int] {
        var s = [Int](repeating: 1, count: dims.count)
        var acc = 1
        for i in stride(from: dims.count - 1, through: 0, by: -1) {
            s[i] = acc
            acc *= dims[i]
        }
        return s
    }

    public var description: String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }

    /// A dimension index with Python-style negatives resolved; nil when out of range.
    public func axis(_ a: Int) -> Int? {
        let r = a < 0 ? a + rank : a
        return r >= 0 && r < rank ? r : nil
    }

    /// numpy/PyTorch broadcasting of two shapes, nil when incompatible.
    public static func broadcast(_ a: Shape, _ b: Shape) -> Shape? {
        let r = max(a.rank, b.rank)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.rank ? 1 : a.dims[i - (r - a.rank)]
            let db = i < r - b.rank ? 1 : b.dims[i - (r - b.rank)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return Shape(out)
    }

    /// Strides for reading a tensor of this shape as if it had `target`'s shape (0 along
    /// broadcast dimensions). `target` must be a broadcast of self.
    func broadcastStrides(to target: Shape) -> [Int] {
        let own = strides
        let lead = target.rank - rank
        return (0..<target.rank).map { i in
            i < lead ? 0 : (dims[i - lead] == 1 && target.dims[i] != 1 ? 0 : own[i - lead])
        }
    }
}
