import Foundation

/// Text made safe for HTML and SVG: everything from a commit (names, messages, metrics) goes through here.
///
/// Tensor names and commit messages are attacker-controlled in a fetched repository, so no page interpolates a
/// string from the repository without ``escape(_:)``, and no URL without ``query(_:)``.
enum HTML {
    /// `&`, `<`, `>`, `"` and `'` as entities: safe in element text and in quoted attribute values alike.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            // Control characters other than tab and newline have no business in a page.
            case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}", "\u{7F}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A query string `?k=v&…` with every key and value percent-encoded, ready for an `href` after ``escape(_:)``.
    static func query(_ pairs: [(String, String)]) -> String {
        guard !pairs.isEmpty else { return "" }
        return "?" + pairs.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    /// `path?query`, escaped for an attribute: the one way pages build links.
    static func href(_ path: String, _ pairs: [(String, String)] = []) -> String {
        escape(path + query(pairs))
    }

    private static let unreserved = CharacterSet(charactersIn:
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func percentEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    /// The first line of a commit message, at most `limit` characters (not escaped).
    static func firstLine(_ message: String, limit: Int = 80) -> String {
        let line = message.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return line.count > limit ? String(line.prefix(limit - 1)) + "…" : line
    }

    /// A commit id's first ten hex digits.
    static func short(_ id: String) -> String { String(id.prefix(10)) }

    /// `0.8712`, `1.3e-05`: figures for tables.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "∞" : "−∞") }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        return magnitude >= 1e5 || magnitude < 1e-3 ? String(format: "%.3e", value) : String(format: "%.4g", value)
    }

    /// `1.5 MB`, `512 B`.
    static func bytes(_ n: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(n), unit = 0
        while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(n) B" : "\(String(format: "%.1f", value)) \(units[unit])"
    }

    /// `[64, 784]`.
    static func shape(_ shape: [Int]?) -> String {
        guard let shape else { return "–" }
        return "[" + shape.map(String.init).joined(separator: ", ") + "]"
    }
}
