import Foundation
import ModelRepo

extension RepositorySite {
    /// One merge attempt: its `operations` row and the report it recorded.
    struct MergeAttempt {
        /// The `operations` row id (nil for a merge commit whose row is missing).
        var operation: Int64?
        /// When it ran, seconds since 1970 (0 when unknown).
        var time: Double
        /// The merge commit, for an accepted merge.
        var commit: String?
        var report: MergeReport
    }

    /// Every merge attempt in the lineage database, oldest first: accepted ones (indexed from git) and refused
    /// ones (recorded only there). Rows whose details are not a merge report are left out.
    static func mergeAttempts(_ repository: Repository) throws -> [MergeAttempt] {
        try repository.operations().compactMap { row in
            guard row.kind == "merge", let text = row.details,
                  let report = try? JSONDecoder().decode(MergeReport.self, from: Data(text.utf8)) else { return nil }
            return MergeAttempt(operation: row.id, time: row.time, commit: row.commitId, report: report)
        }
    }

    /// The attempt named by `?op=ID` or `?commit=REV` (an accepted merge's commit).
    func mergeAttempt(_ repository: Repository, operation: String?, commit: String?) throws -> MergeAttempt {
        let attempts = try Self.mergeAttempts(repository)
        if let operation {
            guard let id = Int64(operation), let found = attempts.first(where: { $0.operation == id }) else {
                throw PageError(404, "there is no merge operation \(operation.prefix(40)) in this repository's lineage database; "
                                + "the merges page lists them")
            }
            return found
        }
        let revision = try RequestParameters.revision(commit, name: "commit")
        let id = try repository.resolve(revision)
        if let found = attempts.last(where: { $0.commit == id || $0.report.commit == id }) { return found }
        // A merge commit whose row is missing still carries its report in operation.json.
        let details = try repository.show(id)
        guard details.summary.operation == "merge", let document = details.details,
              let report = try? JSONDecoder().decode(MergeReport.self, from: JSONEncoder().encode(document)) else {
            throw PageError(404, "commit \(HTML.short(id)) is not a merge (it is '\(details.summary.operation)'); open it at /commit?rev=\(HTML.short(id))")
        }
        return MergeAttempt(operation: nil, time: 0, commit: id, report: report)
    }

    /// `/merges`: every merge attempt, accepted and refused, newest first.
    func mergesPage() throws -> String {
        let attempts = try Self.mergeAttempts(try open())
        var body = "<h1>Merges</h1>\n"
        guard !attempts.isEmpty else {
            return layout("Merges", section: "merges").render(body + "<p>No merges yet: <code>mgit merge A B</code> makes one.</p>")
        }
        body += "<table class=\"merges\"><thead><tr><th data-sort=\"text\">when</th><th data-sort=\"text\">verdict</th><th data-sort=\"text\">into</th>"
            + "<th>A</th><th>B</th><th data-sort=\"text\">alignment</th><th class=\"num\" data-sort=\"number\">loss barrier</th>"
            + "<th>rejected by</th><th></th></tr></thead><tbody>\n"
        for a in attempts.reversed() {
            let r = a.report
            let link = a.operation.map { HTML.href("/merge", [("op", String($0))]) } ?? HTML.href("/merge", [("commit", r.commit ?? "")])
            body += "<tr class=\"merge \(r.accepted ? "accepted" : "rejected")\"><td>\(HTML.escape(Self.date(a.time)))</td>"
                + "<td class=\"verdict-\(r.accepted ? "accepted" : "rejected")\">\(r.accepted ? "accepted" : "refused")</td>"
                + "<td>\(HTML.escape(r.into))</td><td>\(Self.commitLink(r.commitA))</td><td>\(Self.commitLink(r.commitB))</td>"
                + "<td>\(HTML.escape(r.alignment))</td><td class=\"num\" data-value=\"\(r.barrier.lossBarrier)\">\(HTML.escape(HTML.number(r.barrier.lossBarrier)))</td>"
                + "<td>\(HTML.escape(r.rejectedBy.joined(separator: ", ")))</td><td><a href=\"\(link)\">report</a></td></tr>\n"
        }
        return layout("Merges", section: "merges").render(body + "</tbody></table>\n")
    }

    /// `/merge?op=ID` or `/merge?commit=REV`: the verdict, the barrier plot, each model's figures and the hooks.
    func mergePage(operation: String?, commit: String?) throws -> String {
        let repository = try open()
        let attempt = try mergeAttempt(repository, operation: operation, commit: commit)
        let r = attempt.report
        let verdict = r.accepted ? "accepted" : "refused"
        var body = "<h1>Merge of <span class=\"mono\">\(HTML.escape(r.branchB))</span> into <span class=\"mono\">\(HTML.escape(r.into))</span>: "
            + "<span class=\"verdict verdict-\(r.accepted ? "accepted" : "rejected")\">\(verdict)</span></h1>\n"
        body += "<table class=\"facts\"><tbody>\n"
        if attempt.time > 0 { body += "<tr><td>when</td><td>\(HTML.escape(Self.date(attempt.time)))</td></tr>\n" }
        body += "<tr><td>A (\(HTML.escape(r.branchA)))</td><td>\(Self.commitLink(r.commitA))</td></tr>\n"
        body += "<tr><td>B (\(HTML.escape(r.branchB)))</td><td>\(Self.commitLink(r.commitB))</td></tr>\n"
        body += "<tr><td>alignment</td><td>\(HTML.escape(r.alignment))"
        if let s = r.alignmentSummary {
            body += " (\(HTML.escape(s.method)), objective \(HTML.escape(HTML.number(s.objectiveBefore))) → \(HTML.escape(HTML.number(s.objectiveAfter))), \(s.sweeps) sweeps)"
        }
        body += "</td></tr>\n<tr><td>α</td><td>\(HTML.escape(HTML.number(r.alpha)))</td></tr>\n"
        body += "<tr><td>evaluator</td><td>\(HTML.escape(r.evaluator))</td></tr>\n"
        body += "<tr><td>loss barrier</td><td>\(HTML.escape(HTML.number(r.barrier.lossBarrier))) at λ = \(HTML.escape(HTML.number(r.barrier.lossBarrierLambda)))"
        if let limit = r.maxBarrier { body += " (merge.maxBarrier \(HTML.escape(HTML.number(limit))))" }
        body += "</td></tr>\n"
        if let acc = r.barrier.accuracyBarrier { body += "<tr><td>accuracy barrier</td><td>\(HTML.escape(HTML.number(acc)))</td></tr>\n" }
        if let c = attempt.commit ?? r.commit { body += "<tr><td>merge commit</td><td>\(Self.commitLink(c))</td></tr>\n" }
        if !r.rejectedBy.isEmpty { body += "<tr><td>rejected by</td><td class=\"rejected-by\">\(HTML.escape(r.rejectedBy.joined(separator: ", ")))</td></tr>\n" }
        body += "</tbody></table>\n"

        let plotQuery: [(String, String)] = attempt.operation.map { [("op", String($0))] } ?? [("commit", r.commit ?? "")]
        body += "<h2>Barrier</h2>\n<div class=\"plot-wrap\"><img class=\"barrier-plot\" src=\"\(HTML.href("/plot/merge.svg", plotQuery))\" "
            + "width=\"960\" height=\"\(420 + 22 * max(0, plotSeries(repository, attempt).count - 1))\" alt=\"loss and accuracy along the interpolation path\"></div>\n"

        body += "<h2>Models</h2>\n<table><thead><tr><th>model</th><th>commit</th><th class=\"num\">loss</th><th class=\"num\">accuracy</th></tr></thead><tbody>\n"
        for (label, f) in [("A: " + r.branchA, r.a), ("B: " + r.branchB + (r.alignment == "none" ? "" : " (aligned)"), r.b), ("merged", r.merged)] {
            body += "<tr><td>\(HTML.escape(label))</td><td>\(f.commit.map(Self.commitLink) ?? "not committed")</td>"
                + "<td class=\"num\">\(HTML.escape(HTML.number(f.loss)))</td><td class=\"num\">\(HTML.escape(f.accuracy.map(HTML.number) ?? "–"))</td></tr>\n"
        }
        body += "</tbody></table>\n"

        body += "<h2>Hooks</h2>\n"
        if r.hooks.isEmpty {
            body += "<p>No hook ran\(r.rejectedBy == ["merge.maxBarrier"] ? ": the merge.maxBarrier policy refused the merge first" : "").</p>\n"
        } else {
            body += "<table class=\"hooks\"><thead><tr><th>hook</th><th>verdict</th><th>how it ended</th><th>what it said</th>"
                + "<th class=\"num\">seconds</th></tr></thead><tbody>\n"
            for h in r.hooks {
                // The hook's own words: its stdout, then its stderr (the sample hooks print their reason).
                let said = [h.stdout, h.stderr].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
                    .joined(separator: "\n")
                body += "<tr class=\"hook\"><td class=\"mono\">\(HTML.escape(h.displayName))</td>"
                    + "<td class=\"verdict-\(h.accepted ? "accepted" : "rejected")\">\(h.accepted ? "accepted" : "rejected")</td>"
                    + "<td>\(HTML.escape(h.reason))</td><td class=\"reason\">\(HTML.escape(String(said.prefix(8_000))))</td>"
                    + "<td class=\"num\">\(HTML.escape(HTML.number(h.seconds)))</td></tr>\n"
            }
            body += "</tbody></table>\n"
        }
        return layout("Merge \(verdict)", section: "merges").render(body)
    }

    /// The curves of a merge's plot: its own barrier, then other measurements of the same pair of commits
    /// (the other merge attempts, `mgit barrier` runs), one per label.
    func plotSeries(_ repository: Repository, _ attempt: MergeAttempt) -> [BarrierPlot.Series] {
        let r = attempt.report
        var series = [BarrierPlot.Series(r.barrier.curve, lossBarrier: r.barrier.lossBarrier, accuracyBarrier: r.barrier.accuracyBarrier)]
        var labels: Set<String> = [r.barrier.curve.label]
        func add(_ m: LossBarrier.Measurement) {
            guard series.count < 4, labels.insert(m.curve.label).inserted else { return }
            series.append(.init(m.curve, lossBarrier: m.lossBarrier, accuracyBarrier: m.accuracyBarrier))
        }
        for other in (try? Self.mergeAttempts(repository)) ?? [] where other.operation != attempt.operation
            && other.report.commitA == r.commitA && other.report.commitB == r.commitB {
            add(other.report.barrier)
        }
        for row in (try? repository.operations()) ?? [] where row.kind == "barrier" {
            guard let text = row.details, let b = try? JSONDecoder().decode(BarrierReport.self, from: Data(text.utf8)),
                  b.a == r.commitA, b.b == r.commitB else { continue }
            add(b.naive)
            if let aligned = b.aligned { add(aligned) }
        }
        // The naive curve first, as the plot's colours expect.
        return series.sorted { ($0.curve.label == "naive" ? 0 : 1) < ($1.curve.label == "naive" ? 0 : 1) }
    }

    /// `/plot/merge.svg?op=ID|commit=REV`: the barrier plot of a merge attempt, an SVG image mgit draws.
    func mergePlot(operation: String?, commit: String?) throws -> String {
        let repository = try open()
        let attempt = try mergeAttempt(repository, operation: operation, commit: commit)
        let series = plotSeries(repository, attempt)
        var plot = BarrierPlot(title: "\(attempt.report.branchA) ← \(attempt.report.branchB)", naive: series[0])
        plot.series = series
        return plot.svg(width: 960, height: 420 + 22 * max(0, series.count - 1))
    }
}
