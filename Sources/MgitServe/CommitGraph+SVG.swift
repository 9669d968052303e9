import Foundation

extension CommitGraph {
    /// How each operation kind is drawn: the legend and the nodes use the same table.
    struct Style {
        var kind: String
        var label: String
        var colour: String
    }

    static let styles: [Style] = [
        Style(kind: "import", label: "import", colour: "#6e7781"),
        Style(kind: "train", label: "train", colour: "#1f77b4"),
        Style(kind: "commit", label: "commit", colour: "#8c564b"),
        Style(kind: "rebase", label: "rebase (re-basin)", colour: "#9467bd"),
        Style(kind: "merge", label: "merge", colour: "#2ca02c"),
        Style(kind: "refused", label: "refused merge", colour: "#d62728"),
    ]

    /// The drawing kind of an operation name: unknown or empty kinds draw as a plain commit.
    static func kind(of operation: String) -> String {
        switch operation {
        case "import", "train", "merge": operation
        case "rebase", "rebase-undo": "rebase"
        default: "commit"
        }
    }

    private static let rowHeight = 26.0, laneWidth = 18.0, left = 16.0, top = 56.0

    private static func x(_ lane: Int) -> Double { left + laneWidth * Double(lane) }
    private static func y(_ row: Int) -> Double { top + rowHeight * Double(row) }
    private static func n(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v) }

    /// The marker of `kind` centred at (`cx`, `cy`).
    static func shape(_ kind: String, _ cx: Double, _ cy: Double) -> String {
        let colour = styles.first { $0.kind == kind }?.colour ?? "#8c564b"
        switch kind {
        case "import":
            return "<rect x=\"\(n(cx - 5))\" y=\"\(n(cy - 5))\" width=\"10\" height=\"10\" fill=\"\(colour)\"/>"
        case "rebase":
            return "<polygon points=\"\(n(cx)),\(n(cy - 7)) \(n(cx + 7)),\(n(cy)) \(n(cx)),\(n(cy + 7)) \(n(cx - 7)),\(n(cy))\" fill=\"\(colour)\"/>"
        case "merge":
            let points = (0..<6).map { i -> String in
                let a = Double.pi / 3 * Double(i)
                return String(format: "%.1f,%.1f", cx + 7 * cos(a), cy + 7 * sin(a))
            }.joined(separator: " ")
            return "<polygon points=\"\(points)\" fill=\"\(colour)\"/>"
        case "refused":
            return "<circle cx=\"\(n(cx))\" cy=\"\(n(cy))\" r=\"7\" fill=\"white\" stroke=\"\(colour)\" stroke-width=\"1.5\" stroke-dasharray=\"2 2\"/>"
                + "<path d=\"M\(n(cx - 4)) \(n(cy - 4)) L\(n(cx + 4)) \(n(cy + 4)) M\(n(cx + 4)) \(n(cy - 4)) L\(n(cx - 4)) \(n(cy + 4))\" stroke=\"\(colour)\" stroke-width=\"2\"/>"
        case "commit":
            return "<circle cx=\"\(n(cx))\" cy=\"\(n(cy))\" r=\"5\" fill=\"white\" stroke=\"\(colour)\" stroke-width=\"2\"/>"
        default:
            return "<circle cx=\"\(n(cx))\" cy=\"\(n(cy))\" r=\"6\" fill=\"\(colour)\"/>"
        }
    }

    /// The graph as an inline `<svg>`: a legend, one `<g class="node">` per commit (a link to its page), one
    /// `<path class="edge">` per parent, and one `<g class="refused">` per refused merge (a link to the merge page).
    func svg() -> String {
        let textX = Self.x(lanes) + 8
        let rows = (nodes.map(\.row) + refused.map(\.row)).max().map { $0 + 1 } ?? 0
        let width = Int(textX) + 760
        let height = Int(Self.y(rows)) + 8
        var out = "<svg class=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
            + "viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" role=\"img\" aria-label=\"commit graph\">\n"

        // Legend: one marker and label per kind.
        out += "<g class=\"legend\">"
        var lx = 16.0
        for style in Self.styles {
            out += Self.shape(style.kind, lx + 6, 18)
            out += "<text x=\"\(Self.n(lx + 18))\" y=\"22\" font-size=\"12\">\(HTML.escape(style.label))</text>"
            lx += 30 + Double(style.label.count) * 7
        }
        out += "</g>\n"

        let position = Dictionary(nodes.map { ($0.commit, ($0.lane, $0.row)) }, uniquingKeysWith: { a, _ in a })
        out += "<g class=\"edges\" fill=\"none\" stroke-width=\"2\">"
        for node in nodes {
            for (index, parent) in node.parents.enumerated() {
                guard let (lane, row) = position[parent] else { continue }
                let x1 = Self.x(node.lane), y1 = Self.y(node.row), x2 = Self.x(lane), y2 = Self.y(row)
                let d: String
                if x1 == x2 {
                    d = "M\(Self.n(x1)) \(Self.n(y1)) L\(Self.n(x2)) \(Self.n(y2))"
                } else if index == 0 {
                    // The first parent: stay in the child's lane, bend into the parent's just above it.
                    let bend = y2 - Self.rowHeight
                    d = "M\(Self.n(x1)) \(Self.n(y1)) L\(Self.n(x1)) \(Self.n(bend)) C\(Self.n(x1)) \(Self.n(y2)) \(Self.n(x2)) \(Self.n(bend)) \(Self.n(x2)) \(Self.n(y2))"
                } else {
                    // Another parent (a merge's input): bend out of the child at once, then follow the parent's lane.
                    let bend = y1 + Self.rowHeight
                    d = "M\(Self.n(x1)) \(Self.n(y1)) C\(Self.n(x1)) \(Self.n(bend)) \(Self.n(x2)) \(Self.n(y1)) \(Self.n(x2)) \(Self.n(bend)) L\(Self.n(x2)) \(Self.n(y2))"
                }
                let colour = index == 0 ? "#8c959f" : "#2ca02c"
                out += "<path class=\"edge\" data-child=\"\(HTML.escape(node.commit))\" data-parent=\"\(HTML.escape(parent))\" stroke=\"\(colour)\" d=\"\(d)\"/>"
            }
        }
        for r in refused {
            for target in [r.commitA, r.commitB] {
                guard let (lane, row) = position[target] else { continue }
                out += "<path class=\"refusal-edge\" stroke=\"#d62728\" stroke-dasharray=\"4 3\" stroke-width=\"1.5\" "
                    + "d=\"M\(Self.n(Self.x(r.lane))) \(Self.n(Self.y(r.row))) L\(Self.n(Self.x(lane))) \(Self.n(Self.y(row)))\"/>"
            }
        }
        out += "</g>\n"

        for node in nodes {
            let kind = Self.kind(of: node.operation)
            let cx = Self.x(node.lane), cy = Self.y(node.row)
            out += "<a href=\"\(HTML.href("/commit", [("rev", node.commit)]))\">"
            out += "<g class=\"node op-\(kind)\" data-commit=\"\(HTML.escape(node.commit))\" data-parents=\"\(HTML.escape(node.parents.joined(separator: " ")))\">"
            out += "<title>\(HTML.escape(node.operation.isEmpty ? "commit" : node.operation)) \(HTML.short(node.commit)): \(HTML.escape(HTML.firstLine(node.message, limit: 200)))</title>"
            out += Self.shape(kind, cx, cy)
            var tx = textX
            out += "<text x=\"\(Self.n(tx))\" y=\"\(Self.n(cy + 4))\" font-family=\"monospace\" fill=\"#0969da\">\(HTML.escape(HTML.short(node.commit)))</text>"
            tx += 84
            for ref in node.refs {
                let remote = ref.contains("/")
                out += "<text class=\"refs\" x=\"\(Self.n(tx))\" y=\"\(Self.n(cy + 4))\" font-weight=\"bold\" fill=\"\(remote ? "#bf5700" : "#1a7f37")\">\(HTML.escape(ref))</text>"
                tx += Double(ref.count) * 8 + 12
            }
            let op = node.operation.isEmpty ? "commit" : node.operation
            out += "<text x=\"\(Self.n(tx))\" y=\"\(Self.n(cy + 4))\" fill=\"#59636e\">[\(HTML.escape(op))]</text>"
            tx += Double(op.count) * 7 + 20
            out += "<text x=\"\(Self.n(tx))\" y=\"\(Self.n(cy + 4))\" fill=\"#1b1f24\">\(HTML.escape(HTML.firstLine(node.message, limit: 72)))</text>"
            out += "</g></a>\n"
        }
        for r in refused {
            let cx = Self.x(r.lane), cy = Self.y(r.row)
            out += "<a href=\"\(HTML.href("/merge", [("op", String(r.operation))]))\">"
            out += "<g class=\"refused\" data-operation=\"\(r.operation)\">"
            out += "<title>refused merge into \(HTML.escape(r.into ?? "?")), rejected by \(HTML.escape(r.rejectedBy.joined(separator: ", ")))</title>"
            out += Self.shape("refused", cx, cy)
            out += "<text x=\"\(Self.n(textX))\" y=\"\(Self.n(cy + 4))\" fill=\"#d62728\">refused merge of \(HTML.short(r.commitB)) into \(HTML.escape(r.into ?? HTML.short(r.commitA))) — rejected by \(HTML.escape(r.rejectedBy.joined(separator: ", ")))</text>"
            out += "</g></a>\n"
        }
        out += "</svg>"
        return out
    }
}
