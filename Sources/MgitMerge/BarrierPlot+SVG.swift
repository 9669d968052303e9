import Foundation

extension BarrierPlot {
    /// Colours and dash patterns per series, chosen to stay apart in greyscale print too.
    private static let strokes: [(colour: String, dash: String?)] = [
        ("#d62728", "6 4"), ("#1f77b4", nil), ("#2ca02c", "2 3"), ("#9467bd", "8 3 2 3"),
    ]

    /// A standalone SVG document: loss against λ on the left, accuracy against λ on the right, a legend with
    /// each series' barriers, axis labels and ticks; no scripts, fonts or other external resources.
    ///
    /// Each series is one `<polyline>` per panel with one coordinate pair per point (points without an accuracy
    /// are left out of the accuracy panel; non-finite values are left out of both).
    public func svg(width: Int = 960, height: Int = 420) -> String {
        let w = Double(width), h = Double(height)
        let legendHeight = 22.0 * Double(series.count)
        let top = 56 + legendHeight, bottom = h - 56
        let panelWidth = (w - 60) / 2
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
            font-family="sans-serif" font-size="12">
            <title>\(Self.escape(title))</title>
            <rect x="0" y="0" width="\(width)" height="\(height)" fill="white"/>
            <text x="\(Self.number(w / 2))" y="24" text-anchor="middle" font-size="16" font-weight="bold">\(Self.escape(title))</text>

            """
        for (index, s) in series.enumerated() {
            let y = 44 + 22 * Double(index)
            var figures = ["loss barrier " + (s.lossBarrier.map(Self.label) ?? "-")]
            if let accuracy = s.accuracyBarrier { figures.append("accuracy barrier " + Self.label(accuracy)) }
            out += "<g class=\"legend\">"
            out += "<line x1=\"60\" y1=\"\(Self.number(y - 4))\" x2=\"90\" y2=\"\(Self.number(y - 4))\" \(Self.strokeAttributes(index))/>"
            out += "<text x=\"98\" y=\"\(Self.number(y))\">\(Self.escape(s.curve.label)): \(Self.escape(figures.joined(separator: ", ")))</text>"
            out += "</g>\n"
        }
        let lossCurves = series.map { s in s.curve.points.compactMap { p in p.loss.isFinite ? (p.lambda, p.loss) : nil } }
        let accuracyCurves = series.map { s in
            s.curve.points.compactMap { p in p.accuracy.flatMap { $0.isFinite ? (p.lambda, $0) : nil } }
        }
        out += panel(title: "Loss along the path", axis: "loss", curves: lossCurves,
                     left: 20, top: top, width: panelWidth, bottom: bottom)
        out += panel(title: "Accuracy along the path", axis: "accuracy", curves: accuracyCurves,
                     left: 40 + panelWidth, top: top, width: panelWidth, bottom: bottom)
        out += "</svg>\n"
        return out
    }

    /// One panel: frame, ticks, axis labels and a polyline per curve of (λ, value) pairs.
    private func panel(title: String, axis: String, curves: [[(Double, Double)]], left: Double, top: Double,
                       width: Double, bottom: Double) -> String {
        let x0 = left + 56, x1 = left + width - 8
        let y0 = bottom, y1 = top + 18
        let values = curves.flatMap { $0.map(\.1) }
        let yTicks = BarrierPlot.ticks(low: values.min() ?? 0, high: values.max() ?? 1)
        let lambdas = curves.flatMap { $0.map(\.0) }
        let xTicks = BarrierPlot.ticks(low: min(0, lambdas.min() ?? 0), high: max(1, lambdas.max() ?? 1), count: 4)
        let (yLow, yHigh) = (yTicks.first!, yTicks.last!)
        let (xLow, xHigh) = (xTicks.first!, xTicks.last!)
        func px(_ lambda: Double) -> Double { x0 + (lambda - xLow) / (xHigh - xLow) * (x1 - x0) }
        func py(_ value: Double) -> Double { y0 - (value - yLow) / (yHigh - yLow) * (y0 - y1) }

        var out = "<g class=\"panel\">\n"
        out += "<text x=\"\(Self.number((x0 + x1) / 2))\" y=\"\(Self.number(top + 6))\" text-anchor=\"middle\" "
            + "font-size=\"14\">\(Self.escape(title))</text>\n"
        out += "<rect x=\"\(Self.number(x0))\" y=\"\(Self.number(y1))\" width=\"\(Self.number(x1 - x0))\" "
            + "height=\"\(Self.number(y0 - y1))\" fill=\"none\" stroke=\"#444\"/>\n"
        for tick in yTicks {
            let y = Self.number(py(tick))
            out += "<line x1=\"\(Self.number(x0 - 4))\" y1=\"\(y)\" x2=\"\(Self.number(x1))\" y2=\"\(y)\" stroke=\"#ddd\"/>"
            out += "<text x=\"\(Self.number(x0 - 7))\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">"
                + "\(Self.escape(BarrierPlot.label(tick)))</text>\n"
        }
        for tick in xTicks {
            let x = Self.number(px(tick))
            out += "<line x1=\"\(x)\" y1=\"\(Self.number(y0))\" x2=\"\(x)\" y2=\"\(Self.number(y0 + 4))\" stroke=\"#444\"/>"
            out += "<text x=\"\(x)\" y=\"\(Self.number(y0 + 17))\" text-anchor=\"middle\">"
                + "\(Self.escape(BarrierPlot.label(tick)))</text>\n"
        }
        out += "<text x=\"\(Self.number((x0 + x1) / 2))\" y=\"\(Self.number(y0 + 36))\" text-anchor=\"middle\">"
            + "λ (0 = model A, 1 = model B)</text>\n"
        let midY = Self.number((y0 + y1) / 2), labelX = Self.number(left + 12)
        out += "<text x=\"\(labelX)\" y=\"\(midY)\" text-anchor=\"middle\" transform=\"rotate(-90 \(labelX) \(midY))\">"
            + "\(Self.escape(axis))</text>\n"
        if values.isEmpty {
            out += "<text x=\"\(Self.number((x0 + x1) / 2))\" y=\"\(Self.number((y0 + y1) / 2))\" text-anchor=\"middle\" "
                + "fill=\"#888\">no \(Self.escape(axis)) measured</text>\n"
        }
        for (index, curve) in curves.enumerated() where !curve.isEmpty {
            let points = curve.map { "\(Self.number(px($0.0))),\(Self.number(py($0.1)))" }.joined(separator: " ")
            out += "<polyline class=\"series-\(index)\" fill=\"none\" stroke-width=\"2\" \(Self.strokeAttributes(index)) "
                + "points=\"\(points)\"><title>\(Self.escape(series[index].curve.label))</title></polyline>\n"
        }
        out += "</g>\n"
        return out
    }

    private static func strokeAttributes(_ index: Int) -> String {
        let style = strokes[index % strokes.count]
        return "stroke=\"\(style.colour)\"" + (style.dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")
    }

    /// Text for XML character data and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            // XML 1.0 forbids most control characters even as references.
            case _ where c.value < 0x20 && c != "\t" && c != "\n" && c != "\r": out += "?"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A coordinate with two decimals, without a trailing `.00`.
    private static func number(_ value: Double) -> String {
        let text = String(format: "%.2f", value)
        return text.hasSuffix(".00") ? String(text.dropLast(3)) : text
    }
}
