import Foundation

/// A line chart of one metric along a branch's history, oldest commit on the left, as inline SVG.
///
/// `values[i]` is the value at the i-th commit (nil where that commit has no such metric: the line breaks there).
struct MetricChart {
    var title: String
    var values: [Double?]
    /// One label per value, shown as each point's tooltip (escaped here).
    var labels: [String]
    var width = 900
    var height = 320

    func svg() -> String {
        let w = Double(width), h = Double(height)
        let left = 70.0, right = 20.0, top = 36.0, bottom = 40.0
        let finite = values.compactMap { $0 }.filter(\.isFinite)
        var out = "<svg class=\"metric-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
            + "viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"\(HTML.escape(title))\">\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"white\"/>\n"
        out += "<text x=\"\(Int(w / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(HTML.escape(title))</text>\n"
        guard let low = finite.min(), let high = finite.max() else {
            return out + "<text x=\"\(Int(w / 2))\" y=\"\(Int(h / 2))\" text-anchor=\"middle\">no values</text></svg>"
        }
        let pad = high > low ? (high - low) * 0.08 : max(abs(low) * 0.1, 0.5)
        let y0 = low - pad, y1 = high + pad
        let count = max(values.count - 1, 1)
        func px(_ i: Int) -> Double { left + (w - left - right) * Double(i) / Double(count) }
        func py(_ v: Double) -> Double { top + (h - top - bottom) * (1 - (v - y0) / (y1 - y0)) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        out += "<g stroke=\"#d1d9e0\">"
        for k in 0...4 {
            let v = y0 + (y1 - y0) * Double(k) / 4
            out += "<line x1=\"\(f(left))\" y1=\"\(f(py(v)))\" x2=\"\(f(w - right))\" y2=\"\(f(py(v)))\"/>"
        }
        out += "</g>\n<g fill=\"#59636e\" text-anchor=\"end\">"
        for k in 0...4 {
            let v = y0 + (y1 - y0) * Double(k) / 4
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(py(v) + 4))\">\(HTML.escape(HTML.number(v)))</text>"
        }
        out += "</g>\n<text x=\"\(Int(w / 2))\" y=\"\(Int(h - 10))\" text-anchor=\"middle\" fill=\"#59636e\">commits, oldest → newest</text>\n"

        // One polyline per run of consecutive values.
        var runs: [[(Int, Double)]] = [[]]
        for (i, v) in values.enumerated() {
            if let v, v.isFinite { runs[runs.count - 1].append((i, v)) } else if !(runs.last?.isEmpty ?? true) { runs.append([]) }
        }
        for run in runs where run.count > 1 {
            out += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"\(run.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " "))\"/>\n"
        }
        for (i, v) in values.enumerated() {
            guard let v, v.isFinite else { continue }
            out += "<circle class=\"point\" cx=\"\(f(px(i)))\" cy=\"\(f(py(v)))\" r=\"3.5\" fill=\"#1f77b4\">"
                + "<title>\(HTML.escape(i < labels.count ? labels[i] : "")): \(HTML.escape(HTML.number(v)))</title></circle>\n"
        }
        return out + "</svg>"
    }
}
