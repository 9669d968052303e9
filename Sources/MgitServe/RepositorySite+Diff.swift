import ModelRepo

extension RepositorySite {
    /// `/diff?a=R&b=S`: two revisions tensor by tensor (relative L2, cosine, largest difference), sortable.
    func diffPage(a: String?, b: String?) throws -> String {
        var body = "<h1>Diff</h1>\n<form class=\"inline\" method=\"get\" action=\"/diff\">"
            + "<label>A<input name=\"a\" value=\"\(HTML.escape(a ?? ""))\" placeholder=\"main~1\"></label>"
            + "<label>B<input name=\"b\" value=\"\(HTML.escape(b ?? ""))\" placeholder=\"main\"></label>"
            + "<button type=\"submit\">Compare</button></form>\n"
        guard a?.isEmpty == false || b?.isEmpty == false else {
            return layout("Diff", section: "diff").render(body + "<p>Give two revisions: a commit id, a branch, or either with ~N.</p>")
        }
        let revA = try RequestParameters.revision(a, name: "a"), revB = try RequestParameters.revision(b, name: "b")
        let d = try open().diff(revA, revB)
        body += "<p>\(Self.commitLink(d.a)) → \(Self.commitLink(d.b)): \(d.changed) changed, \(d.added) added, \(d.removed) removed, "
            + "\(d.unchanged) unchanged; \(HTML.escape(HTML.bytes(d.bytesChanged))) of \(HTML.escape(HTML.bytes(d.bytesTotal))) differ. "
            + "Click a heading to sort.</p>\n"
        body += "<table class=\"diff\"><thead><tr><th data-sort=\"text\">tensor</th><th data-sort=\"text\">change</th><th>dtype</th>"
            + "<th>shape A</th><th>shape B</th><th class=\"num\" data-sort=\"number\">relative L2</th>"
            + "<th class=\"num\" data-sort=\"number\">cosine</th><th class=\"num\" data-sort=\"number\">max |Δ|</th></tr></thead><tbody>\n"
        for c in d.changes {
            func cell(_ v: Double?) -> String {
                guard let v else { return "<td class=\"num\" data-value=\"\">–</td>" }
                return "<td class=\"num\" data-value=\"\(v)\">\(HTML.escape(HTML.number(v)))</td>"
            }
            body += "<tr><td class=\"mono tensor-name\">\(HTML.escape(c.name))</td><td class=\"\(c.kind == .unchanged ? "unchanged" : "changed")\">\(c.kind.rawValue)</td>"
                + "<td>\(HTML.escape(c.dtype))</td><td class=\"mono\">\(HTML.escape(HTML.shape(c.shapeA)))</td>"
                + "<td class=\"mono\">\(HTML.escape(HTML.shape(c.shapeB)))</td>\(cell(c.relativeL2))\(cell(c.cosine))\(cell(c.maxAbsDiff))</tr>\n"
        }
        return layout("Diff", section: "diff").render(body + "</tbody></table>\n")
    }
}
