import Foundation
import MgitInterop
import MgitLineage
import MgitStore

/// A commit as `log` lists it, with its metrics: one row of a whole-history view.
public struct CommitWithMetrics: Codable, Sendable, Equatable {
    public var summary: CommitSummary
    public var metrics: [Metric]

    public init(summary: CommitSummary, metrics: [Metric]) {
        self.summary = summary
        self.metrics = metrics
    }
}

extension Repository {
    /// The remote-tracking branches (`origin/main`), as `branches` lists the local ones.
    public func remoteBranches() throws -> [BranchInfo] { try store.remoteBranches() }

    /// Commits reachable from any of `revisions`, each once, newest first (topological, then by time), with
    /// their metrics: what `log` and `metrics` give commit by commit, read with one revision walk and one
    /// database transaction, so that a view of a long history (`mgit serve`) stays fast.
    ///
    /// Each summary is what ``log(_:limit:)`` returns for that commit (refs: local branches and tags).
    public func history(from revisions: [String], limit: Int? = nil) throws -> [CommitWithMetrics] {
        let starts = try revisions.map { try git.resolveCommit($0) }
        guard !starts.isEmpty else { return [] }
        let ids = try git.history(from: starts, limit: limit)
        let refs = try refNamesByCommit()
        let bulk = try lineage.commitsWithParentsAndMetrics(ids.map(\.hex))
        let formatter = ISO8601DateFormatter()
        return try ids.map { id in
            guard let record = bulk.records[id.hex] else {
                // Not indexed yet (the database lags git): the per-commit path reads it from git.
                return CommitWithMetrics(summary: try summary(id, refs: refs), metrics: try lineage.metrics(of: id.hex))
            }
            let summary = CommitSummary(
                commit: id.hex, parents: bulk.parents[id.hex] ?? [], branch: record.branch, operation: record.operation,
                message: record.message, author: record.author,
                date: formatter.string(from: Date(timeIntervalSince1970: record.time)), parameters: record.parameterCount,
                refs: refs[id.hex] ?? [])
            return CommitWithMetrics(summary: summary, metrics: bulk.metrics[id.hex] ?? [])
        }
    }
}
