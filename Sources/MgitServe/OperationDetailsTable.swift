import ModelRepo

/// An operation's details (any JSON) as a two-column table a person can read: nested keys joined with dots,
/// short arrays of scalars inline, long arrays and arrays of objects summarised by their length.
struct OperationDetailsTable {
    var document: JSONDocument
    /// Rows beyond this are summarised, so a huge document cannot make a huge page.
    var maxRows = 200

    func html() -> String {
        var rows: [(String, String)] = []
        flatten(document, path: "", into: &rows, depth: 0)
        if rows.isEmpty { return "<p>No details.</p>" }
        var out = "<table class=\"facts\"><tbody>\n"
        for (key, value) in rows.prefix(maxRows) {
            out += "<tr><td class=\"mono\">\(HTML.escape(key))</td><td>\(HTML.escape(value))</td></tr>\n"
        }
        if rows.count > maxRows { out += "<tr><td colspan=\"2\">… \(rows.count - maxRows) more (see /api/show)</td></tr>\n" }
        return out + "</tbody></table>"
    }

    private func flatten(_ value: JSONDocument, path: String, into rows: inout [(String, String)], depth: Int) {
        guard rows.count <= maxRows else { return }
        switch value {
        case .object(let members):
            guard depth < 6 else { rows.append((path, "{…}")); return }
            for key in members.keys.sorted() {
                flatten(members[key] ?? .null, path: path.isEmpty ? key : path + "." + key, into: &rows, depth: depth + 1)
            }
        case .array(let items):
            let scalars = items.compactMap(Self.scalar)
            if scalars.count == items.count, items.count <= 8 {
                rows.append((path, "[" + scalars.joined(separator: ", ") + "]"))
            } else {
                rows.append((path, "\(items.count) item\(items.count == 1 ? "" : "s")"))
            }
        default:
            rows.append((path, Self.scalar(value) ?? ""))
        }
    }

    private static func scalar(_ value: JSONDocument) -> String? {
        switch value {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .number(let n): HTML.number(n)
        case .string(let s): s
        case .array, .object: nil
        }
    }
}
