// FrequencyScale: maps frequencies in Hz to fractional bin positions by interpolating the table
// of bin centre frequencies, so mel (or any monotonic) bin spacing gets correctly placed ticks.

/// Positions are in bin units measured from the bottom edge of the lowest bin: bin `b` spans
/// `b ..< b + 1` and its centre frequency sits at `b + 0.5`. Between centres the position is
/// linear in Hz; half a bin beyond the first and last centre it extrapolates the end segment.
struct FrequencyScale: Sendable {
    let centres: [Double]

    /// Nil unless `centres` has one finite, strictly increasing entry per bin (at least one bin).
    init?(binFrequencies: [Double], bins: Int) {
        guard bins > 0, binFrequencies.count == bins, binFrequencies.allSatisfy(\.isFinite) else { return nil }
        for i in 1..<max(1, bins) where !(binFrequencies[i] > binFrequencies[i - 1]) { return nil }
        self.centres = binFrequencies
    }

    /// A scale whose "frequency" is the bin index (centre of bin b = b), for tables that are unusable.
    init(binIndicesOf bins: Int) {
        self.centres = (0..<max(1, bins)).map(Double.init)
    }

    var bins: Int { centres.count }

    /// The frequency at the bottom edge (position 0) and top edge (position `bins`).
    var coveredRange: ClosedRange<Double> {
        frequency(atPosition: 0)...frequency(atPosition: Double(bins))
    }

    /// Fractional bin position of `hz`, or nil when it lies outside `coveredRange`.
    func position(ofFrequency hz: Double) -> Double? {
        guard hz.isFinite else { return nil }
        if bins == 1 { return hz == centres[0] ? 0.5 : nil }
        // Segment i runs from centre i to centre i + 1 (ends extended by half a bin).
        var low = 0, high = bins - 1
        while high - low > 1 {
            let mid = (low + high) / 2
            if centres[mid] <= hz { low = mid } else { high = mid }
        }
        let fraction = (hz - centres[low]) / (centres[low + 1] - centres[low])
        let position = Double(low) + 0.5 + fraction
        return position >= -1e-9 && position <= Double(bins) + 1e-9 ? position : nil
    }

    /// The frequency at a fractional bin position (inverse of `position(ofFrequency:)`).
    func frequency(atPosition position: Double) -> Double {
        if bins == 1 { return centres[0] }
        let segment = min(bins - 2, max(0, Int((position - 0.5).rounded(.down))))
        let fraction = position - 0.5 - Double(segment)
        return centres[segment] + fraction * (centres[segment + 1] - centres[segment])
    }
}
