/// Everything the lineage database records about one commit, as read from git.
struct IndexedCommit {
    var record: CommitRecord
    var parents: [String]
    var sources: [String]
    var manifest: CheckpointManifest?
    /// Metrics from the commit's `operation.json`.
    var metrics: [Metric]
}
