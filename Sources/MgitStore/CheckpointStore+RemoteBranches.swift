import MgitInterop
extension CheckpointStore {
    /// The remote-tracking branches that fetch wrote (`refs/remotes/REMOTE/BRANCH`), named `REMOTE/BRANCH` as
    /// revisions take them, sorted by name; a remote's symbolic `HEAD` is left out.
    public func remoteBranches() throws -> [BranchInfo] {
        try git.references(matching: "refs/remotes/*").compactMap { ref in
            let name = String(ref.name.dropFirst("refs/remotes/".count))
            guard !name.hasSuffix("/HEAD") else { return nil }
            return BranchInfo(name: name, commit: ref.target.hex, current: false)
        }
    }
}
