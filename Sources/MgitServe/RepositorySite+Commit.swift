import Foundation
import ModelRepo

extension RepositorySite {
    /// `/commit?rev=R`: message, trailers, parents and sources, the operation record, metrics, the tensor table
    /// (changed or not against the first parent) and the checkpoint's metadata.
    func commitPage(revision: String) throws -> String {
        let repository = try open()
        let d = try repository.show(revision)
        let s = d.summary
        // Which tensors the commit changed: against its first parent (a root commit adds every tensor).
        var changes: [String: CheckpointDiff.Change.Kind] = [:]
        if let parent = s.parents.first {
            for c in try repository.diff(parent, s.commit).changes { changes[c.name] = c.kind }
        }
        let operation = s.operation.isEmpty ? "commit" : s.operation

        var body = "<h1>\(HTML.escape(operation)) <span class=\"mono\">\(HTML.escape(HTML.short(s.commit)))</span></h1>\n"
        body += "<table class=\"facts\"><tbody>\n"
        body += "<tr><td>commit</td><td class=\"mono\">\(HTML.escape(s.commit))</td></tr>\n"
        if !s.refs.isEmpty { body += "<tr><td>refs</td><td>\(HTML.escape(s.refs.joined(separator: ", ")))</td></tr>\n" }
        body += "<tr><td>author</td><td>\(HTML.escape(s.author))</td></tr>\n"
        body += "<tr><td>date</td><td>\(HTML.escape(s.date))</td></tr>\n"
        body += "<tr><td>operation</td><td>\(HTML.escape(operation))\(s.branch.map { " on " + HTML.escape($0) } ?? "")"
        if operation == "merge" { body += " · <a href=\"\(HTML.href("/merge", [("commit", s.commit)]))\">merge report</a>" }
        body += "</td></tr>\n"
        if let file = d.sourceFile { body += "<tr><td>imported from</td><td>\(HTML.escape(file))</td></tr>\n" }
        body += "<tr><td>parents</td><td>\(s.parents.isEmpty ? "none (a root commit)" : s.parents.map(Self.commitLink).joined(separator: " "))</td></tr>\n"
        if !d.sources.isEmpty { body += "<tr><td>sources</td><td>\(d.sources.map(Self.commitLink).joined(separator: " "))</td></tr>\n" }
        if let first = s.parents.first {
            body += "<tr><td>compare</td><td><a href=\"\(HTML.href("/diff", [("a", first), ("b", s.commit)]))\">diff against the first parent</a></td></tr>\n"
        }
        body += "<tr><td>size</td><td>\(d.tensors.count) tensors, \(d.parameters) parameters, \(HTML.escape(HTML.bytes(d.bytes)))</td></tr>\n"
        body += "</tbody></table>\n"

        let (text, trailers) = Self.splitTrailers(s.message)
        body += "<h2>Message</h2>\n<div class=\"message\">\(HTML.escape(text))</div>\n"
        if !trailers.isEmpty {
            body += "<h2>Trailers</h2>\n<table class=\"facts\"><tbody>\n"
            for (k, v) in trailers { body += "<tr><td>\(HTML.escape(k))</td><td class=\"mono\">\(HTML.escape(v))</td></tr>\n" }
            body += "</tbody></table>\n"
        }
        if let details = d.details {
            body += "<h2>Operation record</h2>\n" + OperationDetailsTable(document: details).html() + "\n"
        }
        body += "<h2>Metrics</h2>\n" + Self.metricsTable(d.metrics)

        body += "<h2>Tensors</h2>\n<table class=\"tensors\"><thead><tr><th data-sort=\"text\">name</th><th data-sort=\"text\">dtype</th>"
            + "<th>shape</th><th class=\"num\" data-sort=\"number\">size</th><th data-sort=\"text\">against first parent</th></tr></thead><tbody>\n"
        for t in d.tensors {
            let kind = s.parents.isEmpty ? "added" : (changes[t.name]?.rawValue ?? "unchanged")
            body += "<tr><td class=\"mono tensor-name\">\(HTML.escape(t.name))</td><td>\(HTML.escape(t.dtype))</td>"
                + "<td class=\"mono\">\(HTML.escape(HTML.shape(t.shape)))</td><td class=\"num\" data-value=\"\(t.bytes)\">\(HTML.escape(HTML.bytes(t.bytes)))</td>"
                + "<td class=\"\(kind == "unchanged" ? "unchanged" : "changed")\">\(HTML.escape(kind))</td></tr>\n"
        }
        body += "</tbody></table>\n"
        if let files = d.files, !files.isEmpty {
            // A model folder's other files (config, tokenizer, card): names from the commit, escaped like the rest.
            body += "<h2>Files</h2>\n<table class=\"files\"><thead><tr><th data-sort=\"text\">path</th>"
                + "<th class=\"num\" data-sort=\"number\">size</th><th>blob</th></tr></thead><tbody>\n"
            for f in files {
                body += "<tr><td class=\"mono file-path\">\(HTML.escape(f.path))</td><td class=\"num\" data-value=\"\(f.bytes)\">"
                    + "\(HTML.escape(HTML.bytes(f.bytes)))</td><td class=\"mono\">\(HTML.escape(HTML.short(f.blob)))</td></tr>\n"
            }
            body += "</tbody></table>\n"
        }
        if !d.metadata.isEmpty {
            body += "<h2>Checkpoint metadata</h2>\n<table class=\"facts\"><tbody>\n"
            for (k, v) in d.metadata.sorted(by: { $0.key < $1.key }) {
                body += "<tr><td class=\"mono\">\(HTML.escape(k))</td><td>\(HTML.escape(v))</td></tr>\n"
            }
            body += "</tbody></table>\n"
        }
        return layout("Commit \(HTML.short(s.commit))").render(body)
    }

    /// A metrics table (name, value, split, source), or a sentence when there are none.
    static func metricsTable(_ metrics: [Metric]) -> String {
        guard !metrics.isEmpty else { return "<p>No metrics recorded.</p>\n" }
        var out = "<table><thead><tr><th>name</th><th class=\"num\">value</th><th>split</th><th>source</th></tr></thead><tbody>\n"
        for m in metrics {
            out += "<tr><td>\(HTML.escape(m.name))</td><td class=\"num\">\(HTML.escape(HTML.number(m.value)))</td>"
                + "<td>\(HTML.escape(m.split ?? "–"))</td><td>\(HTML.escape(m.source ?? "–"))</td></tr>\n"
        }
        return out + "</tbody></table>\n"
    }

    /// The message without its trailer block (`Key: value` lines after the last blank line), and the trailers.
    static func splitTrailers(_ message: String) -> (String, [(String, String)]) {
        var lines = message.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        guard let blank = lines.lastIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }), blank > 0 else {
            return (lines.joined(separator: "\n"), [])
        }
        var trailers: [(String, String)] = []
        for line in lines[(blank + 1)...] {
            guard let colon = line.firstIndex(of: ":"), line[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }),
                  colon != line.startIndex else { return (lines.joined(separator: "\n"), []) }
            trailers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return (lines[..<blank].joined(separator: "\n"), trailers)
    }
}
