import ModelRepo

extension RepositorySite {
    /// The most commits a metrics chart walks back, so one request stays bounded on a long history.
    static let metricsHistoryLimit = 5_000

    /// `/metrics?branch=B&metric=NAME`: a chart of one metric along a branch's history (first-parent and merged
    /// commits alike, as `mgit log` lists them) and a table of every value.
    func metricsPage(branch: String?, metric: String?) throws -> String {
        let repository = try open()
        let branches = try repository.branches().filter { $0.commit != nil }
        let remotes = try repository.remoteBranches()
        let names = branches.map(\.name) + remotes.map(\.name)
        let current = branches.first { $0.current }?.name ?? names.first
        let chosen = try RequestParameters.revision(branch, name: "branch", default: current ?? "HEAD")

        // Oldest first; summaries and metrics in one read (`history`), as `log` and `metrics` give them.
        let perCommit: [(CommitSummary, [Metric])] = try repository.history(from: [chosen], limit: Self.metricsHistoryLimit)
            .reversed().map { ($0.summary, $0.metrics) }
        // A metric is named with its split, `accuracy (test)`, so train and test figures do not mix.
        func key(_ m: Metric) -> String { m.split.map { "\(m.name) (\($0))" } ?? m.name }
        var keys: [String] = []
        for (_, ms) in perCommit { for m in ms where !keys.contains(key(m)) { keys.append(key(m)) } }
        let selected = try RequestParameters.word(metric, name: "metric") ?? keys.first { $0.hasPrefix("loss") } ?? keys.first

        var body = "<h1>Metrics</h1>\n<form class=\"inline\" method=\"get\" action=\"/metrics\">"
        body += "<label>branch<select name=\"branch\">"
        for n in names.contains(chosen) ? names : [chosen] + names {
            body += "<option value=\"\(HTML.escape(n))\"\(n == chosen ? " selected" : "")>\(HTML.escape(n))</option>"
        }
        body += "</select></label><label>metric<select name=\"metric\">"
        for k in keys { body += "<option value=\"\(HTML.escape(k))\"\(k == selected ? " selected" : "")>\(HTML.escape(k))</option>" }
        body += "</select></label><button type=\"submit\">Show</button></form>\n"

        guard let selected else {
            return layout("Metrics", section: "metrics").render(body + "<p>No commit on \(HTML.escape(chosen)) has metrics yet: "
                + "<code>mgit eval</code> or <code>mgit metrics add</code> records some.</p>")
        }
        let values: [Double?] = perCommit.map { _, ms in ms.last { key($0) == selected }?.value }
        let labels = perCommit.map { c, _ in "\(HTML.short(c.commit)) \(c.operation)" }
        body += "<div class=\"plot-wrap\">" + MetricChart(title: "\(selected) along \(chosen)", values: values, labels: labels).svg() + "</div>\n"
        body += "<table class=\"metric-values\"><thead><tr><th class=\"num\" data-sort=\"number\">#</th><th>commit</th><th data-sort=\"text\">date</th>"
            + "<th data-sort=\"text\">operation</th><th>message</th><th class=\"num\" data-sort=\"number\">\(HTML.escape(selected))</th></tr></thead><tbody>\n"
        for (i, (c, _)) in perCommit.enumerated() {
            guard let v = values[i] else { continue }
            body += "<tr><td class=\"num\">\(i + 1)</td><td>\(Self.commitLink(c.commit))</td><td>\(HTML.escape(c.date))</td>"
                + "<td>\(HTML.escape(c.operation))</td><td>\(HTML.escape(HTML.firstLine(c.message, limit: 60)))</td>"
                + "<td class=\"num\" data-value=\"\(v)\">\(HTML.escape(HTML.number(v)))</td></tr>\n"
        }
        return layout("Metrics", section: "metrics").render(body + "</tbody></table>\n")
    }
}
