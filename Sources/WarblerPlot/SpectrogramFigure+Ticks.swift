// SpectrogramFigure+Ticks: choosing tick values for the three scales (time, frequency, colour bar)
// before they are placed. Offsets are in pixels from the plot's left edge (time) or top edge
// (frequency, colour bar); LabelPlacer later drops any label that would still collide.
import Foundation

/// A tick value, its label text and its pixel offset along the axis.
struct TickCandidate {
    var value: Double
    var label: String
    var offset: Int
}

extension SpectrogramFigure {
    /// Time ticks at nice steps (1, 2, 5 x 10^k s; clock steps beyond 10 minutes) spaced at least
    /// `minimumGap` pixels plus the widest label apart, and the matching axis label.
    func timeTickCandidates(plotWidth: Int, minimumGap: Int, scale: Int) -> (ticks: [TickCandidate], axisLabel: String) {
        let duration = Double(frames) * secondsPerFrame
        guard frames > 0, plotWidth > 0, duration > 0, duration.isFinite, startTime.isFinite else {
            return ([], "Time (s)")
        }
        let end = startTime + duration
        let usesClock = duration > 600
        let withHours = max(abs(startTime), abs(end)) >= 3600
        let axisLabel = usesClock ? (withHours ? "Time (h:mm:ss)" : "Time (m:ss)") : "Time (s)"
        let pixelsPerSecond = Double(plotWidth) / duration
        var minimumStep = Double(minimumGap) / pixelsPerSecond
        for _ in 0..<200 {
            let step = usesClock ? NiceNumbers.clockStep(atLeast: minimumStep) : NiceNumbers.step125(atLeast: minimumStep)
            let decimals = NiceNumbers.decimals(forStep: step)
            let ticks = NiceNumbers.multiples(of: step, in: startTime...end).map { value in
                TickCandidate(
                    value: value,
                    label: usesClock ? TickFormat.clock(value, withHours: withHours) : TickFormat.decimal(value, decimals: decimals),
                    offset: min(plotWidth - 1, max(0, Int(((value - startTime) * pixelsPerSecond).rounded(.down)))))
            }
            let widest = ticks.map { BitmapFont.width(of: $0.label, scale: scale) }.max() ?? 0
            if step * pixelsPerSecond >= Double(widest + minimumGap) { return (ticks, axisLabel) }
            minimumStep = step * 1.001
        }
        return ([], axisLabel)
    }

    /// Frequency ticks and the axis label ("Hz", or "bin" when `binFrequencies` is unusable).
    /// Two schemes are tried and the one giving more ticks wins (ties: the linear one): evenly
    /// spaced multiples of one nice step (suits linear STFT bins), or the 1, 2, 5 x 10^k series
    /// taken greedily, 1s first, then 5s, then 2s (suits mel and other log-like bins).
    func frequencyTickCandidates(plotHeight: Int, pixelsPerBin: Int, minimumGap: Int) -> (ticks: [TickCandidate], axisLabel: String) {
        guard bins > 0 else { return ([], "Hz") }
        let hertzScale = FrequencyScale(binFrequencies: binFrequencies, bins: bins)
        let scale = hertzScale ?? FrequencyScale(binIndicesOf: bins)
        let usesHertz = hertzScale != nil
        func format(_ value: Double) -> String {
            usesHertz ? TickFormat.hertz(value) : TickFormat.decimal(value, decimals: 0)
        }
        func candidate(_ value: Double) -> TickCandidate? {
            guard let position = scale.position(ofFrequency: value) else { return nil }
            let row = Int((Double(plotHeight) - position * Double(pixelsPerBin) - 0.5).rounded())
            return TickCandidate(value: value, label: format(value), offset: min(plotHeight - 1, max(0, row)))
        }
        let covered = scale.coveredRange
        let span = covered.upperBound - covered.lowerBound
        guard span > 0, span.isFinite else { return ([candidate(scale.centres[0])].compactMap { $0 }, usesHertz ? "Hz" : "bin") }

        // Linear: the smallest nice step whose ticks all keep their distance.
        let linearGap = max(minimumGap, plotHeight / 10)
        var linear: [TickCandidate] = []
        var minimumStep = span * Double(linearGap) / Double(max(1, plotHeight))
        for _ in 0..<60 {
            let step = NiceNumbers.step125(atLeast: minimumStep)
            let ticks = NiceNumbers.multiples(of: step, in: covered).compactMap(candidate)
            let crowded = zip(ticks, ticks.dropFirst()).contains { abs($0.offset - $1.offset) < linearGap }
            if !crowded { linear = ticks; break }
            minimumStep = step * 1.001
        }

        // 1-2-5 series, greedily.
        var series: [TickCandidate] = []
        if covered.upperBound > 0 {
            let low = max(covered.lowerBound, covered.upperBound * 1e-6)
            let decades = Int(log10(low).rounded(.down))...Int(log10(covered.upperBound).rounded(.up))
            for mantissa in [1.0, 5, 2] {
                for exponent in decades.reversed() {
                    let value = mantissa * pow(10, Double(exponent))
                    guard covered.contains(value), let tick = candidate(value) else { continue }
                    if series.allSatisfy({ abs($0.offset - tick.offset) >= minimumGap }) { series.append(tick) }
                }
            }
        }
        let chosen = series.count > linear.count ? series : linear
        return (chosen, usesHertz ? "Hz" : "bin")
    }

    /// Colour-bar ticks at a nice step over `range`, at least `minimumGap` pixels (and a sixth of the
    /// bar) apart. A zero-width range gets one tick, in the middle.
    func valueTickCandidates(range: ClosedRange<Float>, height: Int, minimumGap: Int) -> [TickCandidate] {
        let low = Double(range.lowerBound), high = Double(range.upperBound)
        guard height > 0 else { return [] }
        guard high > low else {
            return [TickCandidate(value: high, label: TickFormat.decimal(high, decimals: 2), offset: height / 2)]
        }
        let gap = max(minimumGap, height / 6)
        let step = NiceNumbers.step125(atLeast: (high - low) * Double(gap) / Double(height))
        let decimals = NiceNumbers.decimals(forStep: step)
        return NiceNumbers.multiples(of: step, in: low...high).map { value in
            let t = (value - low) / (high - low)
            let row = Int((Double(height) - t * Double(height) - 0.5).rounded())
            return TickCandidate(
                value: value, label: TickFormat.decimal(value, decimals: decimals),
                offset: min(height - 1, max(0, row)))
        }
    }
}
