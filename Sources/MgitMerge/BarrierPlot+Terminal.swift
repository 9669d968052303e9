extension BarrierPlot {
    /// The width of the y-axis labels in ``terminalChart(width:height:)``.
    package static let axisLabelWidth = 10

    /// A plain-text chart of loss against λ for the terminal (no colour codes).
    ///
    /// Lines: the title; a legend (each series' mark and loss barrier); `height` rows of `axisLabelWidth`
    /// characters of y label, ` |`, and `width` plot cells; the x-axis; its tick labels (0, 0.5, 1); `λ`;
    /// and the highest loss of each series. The y range is exactly [lowest, highest] finite loss, so every
    /// series' maximum lands on the top row at its λ. Series are drawn with ``mark(_:)``, joined by linear
    /// interpolation between points; a cell two series share shows ``overlapMark``.
    public func terminalChart(width: Int = 60, height: Int = 12) -> String {
        precondition(width >= 10 && height >= 3, "a terminal chart needs at least 10 × 3 cells")
        let curves = series.map { s in s.curve.points.filter { $0.loss.isFinite && $0.lambda.isFinite } }
        let losses = curves.flatMap { $0.map(\.loss) }
        let lambdas = curves.flatMap { $0.map(\.lambda) }
        var low = losses.min() ?? 0, high = losses.max() ?? 1
        if high - low < 1e-12 {
            let pad = max(abs(low) * 0.1, 0.5)
            low -= pad
            high += pad
        }
        let xLow = min(0, lambdas.min() ?? 0), xHigh = max(1, lambdas.max() ?? 1)
        func column(_ lambda: Double) -> Int {
            Int(((lambda - xLow) / (xHigh - xLow) * Double(width - 1)).rounded())
        }
        func row(_ loss: Double) -> Int {
            min(height - 1, max(0, Int(((high - loss) / (high - low) * Double(height - 1)).rounded())))
        }

        var grid = [[Character]](repeating: [Character](repeating: " ", count: width), count: height)
        func put(_ mark: Character, _ r: Int, _ c: Int, owner: inout [[Int]], _ index: Int) {
            if owner[r][c] >= 0 && owner[r][c] != index { grid[r][c] = Self.overlapMark } else { grid[r][c] = mark }
            if owner[r][c] < 0 { owner[r][c] = index }
        }
        var owner = [[Int]](repeating: [Int](repeating: -1, count: width), count: height)
        for (index, points) in curves.enumerated() {
            let mark = Self.mark(index)
            for (p, q) in zip(points, points.dropFirst()) {
                let (c0, c1) = (column(p.lambda), column(q.lambda))
                guard c1 > c0 + 1 else { continue }
                for c in (c0 + 1)..<c1 {
                    let t = Double(c - c0) / Double(c1 - c0)
                    put(mark, row(p.loss + t * (q.loss - p.loss)), c, owner: &owner, index)
                }
            }
            // The measured points last, so an interpolated cell never hides one.
            for p in points { put(mark, row(p.loss), column(p.lambda), owner: &owner, index) }
        }

        let pad = String(repeating: " ", count: Self.axisLabelWidth)
        func yLabel(_ r: Int) -> String {
            let value: Double? = r == 0 ? high : r == height - 1 ? low : r == (height - 1) / 2
                ? high - (high - low) * Double(r) / Double(height - 1) : nil
            guard let value else { return pad }
            let text = Self.label(value)
            return String(repeating: " ", count: max(0, Self.axisLabelWidth - text.count)) + text
        }
        var lines = [title]
        lines.append("loss   " + series.enumerated().map { index, s in
            "\(Self.mark(index)) \(s.curve.label) (barrier \(s.lossBarrier.map(Self.label) ?? "-"))"
        }.joined(separator: "   "))
        for r in 0..<height { lines.append(yLabel(r) + " |" + String(grid[r])) }
        lines.append(pad + " +" + String(repeating: "-", count: width))
        var ticks = [Character](repeating: " ", count: width + 2)
        for value in [xLow, (xLow + xHigh) / 2, xHigh] {
            let text = Array(Self.label(value))
            let start = min(max(0, column(value) - text.count / 2), width + 2 - text.count)
            for (i, ch) in text.enumerated() { ticks[start + i] = ch }
        }
        lines.append(pad + "  " + String(ticks).trimmingTrailingSpaces())
        lines.append(pad + "  " + String(repeating: " ", count: width / 2) + "λ")
        let maxima = series.enumerated().compactMap { index, s -> String? in
            guard let top = curves[index].max(by: { $0.loss < $1.loss }) else { return nil }
            return "\(s.curve.label) \(Self.label(top.loss)) at λ=\(Self.label(top.lambda))"
        }
        lines.append("highest loss: " + (maxima.isEmpty ? "none measured" : maxima.joined(separator: ", ")))
        return lines.joined(separator: "\n") + "\n"
    }
}

private extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
