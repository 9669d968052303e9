import Foundation

/// Pictures of the loss (and accuracy) along the interpolation path between two models, with the barriers
/// written on them: an SVG file for a browser (``svg(width:height:)``) and a small text chart for the terminal
/// (``terminalChart(width:height:)``). Ainsworth et al. 2023 (Figure 1, §4) plot the same curves to show that
/// aligning B into A's basin flattens the barrier.
public struct BarrierPlot: Sendable {
    /// One curve and the barrier figures to print beside it.
    public struct Series: Sendable {
        /// The points to draw.
        public var curve: BarrierCurve
        /// The loss barrier to show; nil computes it from the curve (``BarrierCurve/lossBarrier``).
        public var lossBarrier: Double?
        /// The accuracy barrier to show; nil computes it from the curve when it has accuracies.
        public var accuracyBarrier: Double?

        /// A series for `curve`, with the barriers given or computed from it.
        public init(_ curve: BarrierCurve, lossBarrier: Double? = nil, accuracyBarrier: Double? = nil) {
            self.curve = curve
            self.lossBarrier = lossBarrier ?? curve.lossBarrier
            self.accuracyBarrier = accuracyBarrier ?? curve.accuracyBarrier
        }
    }

    /// The heading, e.g. `teamA ← teamB`.
    public var title: String
    /// The curves to draw, the naive one first, then the aligned one.
    public var series: [Series]

    /// A plot of the naive curve and, when given, the aligned one.
    public init(title: String, naive: Series, aligned: Series? = nil) {
        self.title = title
        self.series = [naive] + (aligned.map { [$0] } ?? [])
    }

    /// The text chart's mark for series `index`: `*` for the first (naive), `o` for the second (aligned).
    public static func mark(_ index: Int) -> Character { index < marks.count ? marks[index] : "x" }
    package static let marks: [Character] = ["*", "o", "+", "x"]
    /// The mark where two series share a cell.
    public static let overlapMark: Character = "#"

    /// `1.42`, `0.0031`, `-2.5e+03`: short and readable for labels.
    package static func label(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "inf" : "-inf") }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e4 || magnitude < 1e-3 { return String(format: "%.2e", value) }
        var text = String(format: magnitude >= 100 ? "%.1f" : "%.4g", value)
        if text.contains("."), !text.contains("e") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// Axis ticks at 1, 2 or 5 × 10^k covering `low...high` with about `count` steps; the range grows to the
    /// outer ticks. A flat range is widened so it still has an extent.
    package static func ticks(low: Double, high: Double, count: Int = 5) -> [Double] {
        var low = low, high = high
        if !(low.isFinite && high.isFinite) { low = 0; high = 1 }
        if high - low < 1e-12 {
            let pad = max(abs(low) * 0.1, 0.5)
            low -= pad
            high += pad
        }
        let rough = (high - low) / Double(max(count, 1))
        let power = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough } ?? 10 * power
        let first = floor(low / step + 1e-9) * step
        let last = ceil(high / step - 1e-9) * step
        var values: [Double] = []
        var value = first
        while value <= last + step * 1e-6 {
            values.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return values
    }
}
