// LabelPlacer: greedy collision avoidance for text labels: a label is placed only if it lies
// inside the image and keeps a small gap from every label placed before it.

struct LabelPlacer {
    let bounds: PixelRect
    let padding: Int
    private(set) var placed: [PixelRect] = []

    init(bounds: PixelRect, padding: Int) {
        self.bounds = bounds
        self.padding = padding
    }

    /// Whether `frame` fits inside the bounds and clear of all placed labels.
    func fits(_ frame: PixelRect) -> Bool {
        frame.intersection(bounds) == frame
            && !placed.contains { $0.outsetBy(padding).intersects(frame) }
    }

    /// Places `frame` if it fits; returns whether it did.
    mutating func place(_ frame: PixelRect) -> Bool {
        guard fits(frame) else { return false }
        placed.append(frame)
        return true
    }
}
