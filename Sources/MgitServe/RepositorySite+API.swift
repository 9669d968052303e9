import ModelRepo

extension RepositorySite {
    /// The JSON document at `/api/NAME`, in the shape `mgit NAME --json` prints (docs/SERVE.md), or nil for an
    /// unknown name. `query` gives a parameter's value.
    func api(_ name: String, _ query: (String) -> String?) throws -> String? {
        switch name {
        case "log":
            let revision = try query("rev").map { try RequestParameters.revision($0, name: "rev") }
            return try Self.json(try open().log(revision, limit: try RequestParameters.count(query("limit"), name: "limit")))
        case "show":
            return try Self.json(try open().show(try RequestParameters.revision(query("rev"), name: "rev", default: "HEAD")))
        case "lineage":
            let revision = try RequestParameters.revision(query("rev"), name: "rev", default: "HEAD")
            return try Self.json(try open().lineage(revision, depth: try RequestParameters.count(query("depth"), name: "depth")))
        case "operations":
            let status = try RequestParameters.word(query("status"), name: "status")
            return try Self.json(try open().operations().filter { status == nil || $0.status == status })
        case "metrics":
            return try Self.json(try open().metrics(try RequestParameters.revision(query("rev"), name: "rev", default: "HEAD")))
        case "diff":
            let a = try RequestParameters.revision(query("a"), name: "a"), b = try RequestParameters.revision(query("b"), name: "b")
            return try Self.json(try open().diff(a, b))
        case "branches":
            return try Self.json(try open().branches())
        case "remote-branches":
            return try Self.json(try open().remoteBranches())
        case "graph":
            return try Self.json(try CommitGraph(try open()))
        case "merges":
            return try Self.json(try Self.mergeAttempts(try open()).map(\.report))
        default:
            return nil
        }
    }
}
