import MgitInterop

extension CheckpointStore {
    /// The commit the revisions were all developed from: their best common ancestor in git's history, as
    /// `git merge-base --octopus` finds it.
    ///
    /// - Returns: The merge base's full id, or nil when the revisions share no history.
    /// - Throws: `.notFound` for an unknown revision; `.invalidInput` for fewer than two.
    public func mergeBase(of revisions: [String]) throws -> String? {
        guard revisions.count >= 2 else {
            throw MgitError(.invalidInput, "a merge base needs at least two revisions, got \(revisions.count)")
        }
        let commits = try revisions.map { try git.resolveCommit($0) }
        return try git.mergeBase(of: commits)?.hex
    }
}
