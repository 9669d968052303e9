/// A unified diff of two texts by lines (`mgit diff` shows one for a changed `config.json`), from their longest
/// common subsequence.
///
/// Meant for the small text files of a model folder: texts whose line counts multiply to more than
/// ``maxCells`` get no line diff (nil), and neither do bytes that are not UTF-8.
public enum TextDiff {
    /// The largest `lines(a) × lines(b)` table the diff builds (16 MB of `Int32`).
    public static let maxCells = 4_000_000

    /// The hunks of a unified diff with `context` lines around each change, or nil when either side is not
    /// UTF-8 text or the texts are too long to compare line by line. Equal texts give "".
    public static func unified(_ a: [UInt8], _ b: [UInt8], context: Int = 3) -> String? {
        guard let textA = String(validating: a, as: UTF8.self), let textB = String(validating: b, as: UTF8.self) else {
            return nil
        }
        func lines(_ text: String) -> [String] {
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }  // the newline ends the last line; it starts no new one
            return lines
        }
        let x = lines(textA), y = lines(textB)
        let (n, m) = (x.count, y.count)
        guard n.multipliedReportingOverflow(by: m).partialValue <= maxCells else { return nil }
        // lcs[i][j]: the LCS length of x[i...] and y[j...], one flat row-major table.
        var lcs = [Int32](repeating: 0, count: (n + 1) * (m + 1))
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lcs[i * (m + 1) + j] = x[i] == y[j] ? lcs[(i + 1) * (m + 1) + j + 1] + 1
                    : max(lcs[(i + 1) * (m + 1) + j], lcs[i * (m + 1) + j + 1])
            }
        }
        // The edit script: (" ", "-", "+") with each line's number on its side.
        var script: [(mark: Character, text: String, i: Int, j: Int)] = []
        var (i, j) = (0, 0)
        while i < n || j < m {
            if i < n && j < m && x[i] == y[j] {
                script.append((" ", x[i], i, j)); i += 1; j += 1
            } else if i < n && (j == m || lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]) {
                script.append(("-", x[i], i, j)); i += 1  // removals first, as diff -u prints them
            } else {
                script.append(("+", y[j], i, j)); j += 1
            }
        }
        let changed = script.indices.filter { script[$0].mark != " " }
        guard !changed.isEmpty else { return "" }
        var out = ""
        var k = 0
        while k < changed.count {
            let start = max(0, changed[k] - context)
            var end = min(script.count, changed[k] + context + 1)
            k += 1
            while k < changed.count && changed[k] - context <= end {
                end = min(script.count, changed[k] + context + 1)
                k += 1
            }
            let hunk = script[start..<end]
            let oldCount = hunk.filter { $0.mark != "+" }.count, newCount = hunk.filter { $0.mark != "-" }.count
            let first = hunk.first!
            out += "@@ -\(first.i + (oldCount > 0 ? 1 : 0)),\(oldCount) +\(first.j + (newCount > 0 ? 1 : 0)),\(newCount) @@\n"
            for line in hunk { out += "\(line.mark)\(line.text)\n" }
        }
        return out
    }
}
