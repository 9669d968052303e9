internal import CLibGit2

extension GitRepository {
    /// The best common ancestor of `commits` (libgit2's `git_merge_base_octopus`, git's `merge-base --octopus`):
    /// for two commits the merge base of a three-way merge, for more the ancestor all of them share.
    ///
    /// - Returns: nil when the commits share no history.
    package func mergeBase(of commits: [ObjectID]) throws -> ObjectID? {
        precondition(commits.count >= 2, "a merge base needs two commits")
        let oids = commits.map(\.git)
        var base = git_oid()
        let rc = oids.withUnsafeBufferPointer { git_merge_base_octopus(&base, handle, $0.count, $0.baseAddress) }
        if rc == GIT_ENOTFOUND.rawValue { return nil }
        try check(rc, "finding the merge base of \(commits.map { String($0.hex.prefix(10)) }.joined(separator: ", "))")
        return ObjectID(base)
    }
}
