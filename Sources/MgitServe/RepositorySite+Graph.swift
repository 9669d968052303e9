import ModelRepo

extension RepositorySite {
    /// `/`: the commit graph of every branch and remote-tracking branch, refused merges beside it.
    func graphPage() throws -> String {
        let repository = try open()
        let graph = try CommitGraph(repository)
        let branches = try repository.branches().filter { $0.commit != nil }
        let remotes = try repository.remoteBranches()
        var body = "<h1>Commit graph</h1>\n"
        if graph.nodes.isEmpty {
            body += "<p>No commits yet: <code>mgit commit FILE</code> or <code>mgit train</code> makes the first.</p>"
            return layout("Graph", section: "graph").render(body)
        }
        body += "<p>\(graph.nodes.count) commit\(graph.nodes.count == 1 ? "" : "s") on \(branches.count) branch\(branches.count == 1 ? "" : "es")"
        if !remotes.isEmpty { body += " and \(remotes.count) remote-tracking branch\(remotes.count == 1 ? "" : "es")" }
        if !graph.refused.isEmpty { body += "; \(graph.refused.count) refused merge\(graph.refused.count == 1 ? "" : "s") shown dashed" }
        body += ". Click a commit to open it.</p>\n"
        body += "<div class=\"graph-wrap\">\(graph.svg())</div>\n"
        return layout("Graph", section: "graph").render(body)
    }
}
