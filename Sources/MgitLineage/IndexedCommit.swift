import MgitStore
/// Everything the lineage database records about one commit, as read from git.
package struct IndexedCommit {
    package var record: CommitRecord
    package var parents: [String]
    package var sources: [String]
    package var manifest: CheckpointManifest?
    /// Metrics from the commit's `operation.json`.
    package var metrics: [Metric]

    /// The memberwise initializer, for the modules above this one.
    package init(record: CommitRecord, parents: [String], sources: [String], manifest: CheckpointManifest? = nil, metrics: [Metric]) {
        self.record = record
        self.parents = parents
        self.sources = sources
        self.manifest = manifest
        self.metrics = metrics
    }
}
