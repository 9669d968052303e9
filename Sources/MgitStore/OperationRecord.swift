/// What made a commit: `operation.json` at the root of every commit mgit writes.
///
/// Together with the manifest this lets `mgit reindex` rebuild the lineage database from git alone.
public struct OperationRecord: Codable, Sendable, Equatable {
    /// `import`, `train`, `rebase`, `merge`, ...
    public var operation: String
    /// The branch the commit was made on.
    public var branch: String?
    /// Commits this one was computed from (besides its parents), e.g. a rebase's basin.
    public var sources: [String]
    /// The file imported, for `import`.
    public var sourceFile: String?
    /// Figures given or measured when the commit was made.
    public var metrics: [Metric]
    /// Operation-specific details (rebase: method, seed, objective; merge: alpha, barrier curve).
    public var details: JSONDocument?

    public init(operation: String, branch: String?, sources: [String] = [], sourceFile: String? = nil,
                metrics: [Metric] = [], details: JSONDocument? = nil) {
        self.operation = operation
        self.branch = branch
        self.sources = sources
        self.sourceFile = sourceFile
        self.metrics = metrics
        self.details = details
    }
}
