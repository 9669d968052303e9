/// Numeric-aware string order: runs of digits compare as numbers, so `fc2 < fc10` and `net.2 < net.10`.
///
/// This is how an MLP's layer order is read from PyTorch names (`layers.0`, `layers.1`, …, `layers.10`).
package enum NaturalOrder {
    /// Whether `a` sorts before `b`.
    package static func less(_ a: String, _ b: String) -> Bool {
        let (x, y) = (chunks(a), chunks(b))
        for (p, q) in zip(x, y) where p != q {
            switch (p, q) {
            case let (.number(m, ms), .number(n, ns)): return m != n ? m < n : ms < ns
            case let (.text(s), .text(t)): return s < t
            case (.number, .text): return true
            case (.text, .number): return false
            }
        }
        return x.count < y.count
    }

    private enum Chunk: Equatable {
        /// A digit run: its value (saturating) and its spelling, to break ties like `01` vs `1`.
        case number(UInt64, String)
        case text(String)
    }

    private static func chunks(_ s: String) -> [Chunk] {
        var out: [Chunk] = []
        var current = ""
        var digits = false
        func flush() {
            guard !current.isEmpty else { return }
            out.append(digits ? .number(UInt64(current) ?? .max, current) : .text(current))
            current = ""
        }
        for ch in s {
            let isDigit = ch.isASCII && ch.isNumber
            if isDigit != digits { flush(); digits = isDigit }
            current.append(ch)
        }
        flush()
        return out
    }
}
