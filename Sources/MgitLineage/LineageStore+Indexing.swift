import Foundation
import GRDB
import MgitStore
import MgitTensor

extension LineageStore {
    /// The subset of `ids` the database already holds.
    package func knownCommits(_ ids: [String]) throws -> Set<String> {
        try read("reading the lineage database") { db in
            Set(try String.fetchAll(db, CommitRecord.select(Column("id")).filter(ids.contains(Column("id")))))
        }
    }

    /// Inserts commits read from git, in one transaction; commits already present are left alone.
    package func index(_ commits: [IndexedCommit]) throws {
        guard !commits.isEmpty else { return }
        try write("updating the lineage database") { db in
            for commit in commits {
                guard try !CommitRecord.exists(db, key: commit.record.id) else { continue }
                try commit.record.insert(db)
                for (i, p) in commit.parents.enumerated() {
                    try ParentRow(commitId: commit.record.id, position: i, parentId: p).insert(db)
                }
                for (i, s) in commit.sources.enumerated() {
                    try SourceRow(commitId: commit.record.id, position: i, sourceId: s).insert(db)
                }
                for (i, t) in (commit.manifest?.tensors ?? []).enumerated() {
                    let shape = "[" + t.shape.map(String.init).joined(separator: ",") + "]"
                    try TensorRow(commitId: commit.record.id, position: i, name: t.name, blob: t.blob,
                                  dtype: t.dtype.rawValue, shape: shape).insert(db)
                }
                for m in commit.metrics {
                    var row = MetricRow(id: nil, commitId: commit.record.id, name: m.name, value: m.value,
                                        split: m.split, source: m.source, time: m.time ?? commit.record.time,
                                        origin: "commit")
                    try row.insert(db)
                }
                if commit.record.operation != "git" && commit.record.operation != "import" {
                    var op = OperationRow(id: nil, kind: commit.record.operation, status: "committed",
                                          commitId: commit.record.id, branch: commit.record.branch,
                                          details: commit.record.details, time: commit.record.time)
                    try op.insert(db)
                }
            }
        }
    }

    /// Replaces every metric that came from the notes with `notes` (commit id → its metrics), and records
    /// which notes commit they came from.
    package func replaceNoteMetrics(_ notes: [String: [Metric]], notesCommit: String?) throws {
        try write("updating metrics in the lineage database") { db in
            try MetricRow.filter(Column("origin") == "note").deleteAll(db)
            for (commit, metrics) in notes.sorted(by: { $0.key < $1.key }) {
                for m in metrics {
                    var row = MetricRow(id: nil, commitId: commit, name: m.name, value: m.value, split: m.split,
                                        source: m.source, time: m.time, origin: "note")
                    try row.insert(db)
                }
            }
            try StateRow(key: "notes", value: notesCommit ?? "").save(db)
        }
    }

    /// The notes commit whose metrics the database holds ("" for none), or nil if never indexed.
    package func indexedNotesCommit() throws -> String? {
        try read("reading the lineage database") { db in try StateRow.fetchOne(db, key: "notes")?.value }
    }

    /// Deletes every row that git can give back (all but refused operations), for `mgit reindex`.
    package func removeIndexedRows() throws {
        try write("clearing the lineage database") { db in
            try MetricRow.deleteAll(db)
            try OperationRow.filter(Column("status") == "committed").deleteAll(db)
            try TensorRow.deleteAll(db)
            try SourceRow.deleteAll(db)
            try ParentRow.deleteAll(db)
            try CommitRecord.deleteAll(db)
            try StateRow.deleteAll(db)
        }
    }

    /// Records an operation that did not produce a commit (a refused merge, a dry run).
    @discardableResult
    package func recordOperation(_ row: OperationRow) throws -> Int64? {
        try write("recording the operation") { db in
            var row = row
            try row.insert(db)
            return row.id
        }
    }
}
