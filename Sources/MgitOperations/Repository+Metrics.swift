import Foundation
import MgitInterop
import MgitStore
import MgitLineage

/// The metrics of one commit.
public struct CommitMetrics: Codable, Sendable, Equatable {
    public var commit: String
    public var metrics: [Metric]
}

extension Repository {
    /// The metrics of the commit at `revision`: those recorded with it, then those added since.
    public func metrics(_ revision: String) throws -> CommitMetrics {
        let id = try git.resolveCommit(revision).hex
        return CommitMetrics(commit: id, metrics: try lineage.metrics(of: id))
    }

    /// Records metrics for an existing commit, in git (the metrics notes) and in the lineage database.
    ///
    /// The notes ref moves by compare-and-swap, so a concurrent writer makes this fail cleanly ("try again")
    /// instead of losing either write.
    @discardableResult
    public func addMetrics(_ revision: String, _ metrics: [Metric]) throws -> CommitMetrics {
        let id = try git.resolveCommit(revision)
        try requireWritable("add metrics")
        store.sweepStaleTemporaryFiles()
        let now = Date().timeIntervalSince1970
        let stamped = metrics.map { m -> Metric in var m = m; if m.time == nil { m.time = now }; return m }
        // Another writer moving the notes meanwhile costs a re-read: metrics only ever add up, so the new
        // note is rebuilt on top of theirs (a few attempts, then "busy, try again").
        var attempt = 0
        while true {
            attempt += 1
            let notesHead = try git.referenceTarget(Self.metricsNotesRef)
            var note = MetricsNote(metrics: [])
            if let notesHead, let text = try git.note(on: id, notesCommit: notesHead) {
                note = try MetricsNote.decode(text, commit: id.hex)
            }
            note.metrics += stamped
            let person = git.defaultPerson()
            let notesCommit = try git.writeNote(try note.encoded(), on: id, parent: notesHead,
                                                person: .init(name: person.name, email: person.email))
            do {
                try git.updateReference(Self.metricsNotesRef, to: notesCommit, expected: notesHead,
                                        logMessage: "mgit metrics add")
                break
            } catch let error as MgitError where error.code == .busy && attempt < 5 {
                SystemCall.pause(Double.random(in: 0.010...0.080))
            }
        }
        try catchUpLineage()
        return try self.metrics(id.hex)
    }
}

extension Repository {
    /// Rebuilds the lineage database from git alone: commits, tensors, operations and metrics.
    ///
    /// Refused operations (an audit trail git does not hold) are kept.
    @discardableResult
    public func reindex() throws -> ReindexReport { try lineage.reindex(from: store) }
}
