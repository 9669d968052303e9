import Foundation
import GRDB
import MgitInterop
import MgitStore

extension LineageStore {
    /// The records, parents (in order) and metrics of many commits in one read transaction, for views over a
    /// whole history; ids the database does not hold are absent from the records.
    package func commitsWithParentsAndMetrics(_ ids: [String]) throws
        -> (records: [String: CommitRecord], parents: [String: [String]], metrics: [String: [Metric]]) {
        try read("reading the lineage database") { db in
            var records: [String: CommitRecord] = [:], parents: [String: [String]] = [:], metrics: [String: [Metric]] = [:]
            // In chunks: SQLite limits the number of bound variables in one statement.
            var start = 0
            while start < ids.count {
                let chunk = Array(ids[start..<min(start + 500, ids.count)])
                start += chunk.count
                for r in try CommitRecord.fetchAll(db, keys: chunk) { records[r.id] = r }
                for p in try ParentRow.filter(chunk.contains(Column("commitId"))).order(Column("commitId"), Column("position")).fetchAll(db) {
                    parents[p.commitId, default: []].append(p.parentId)
                }
                // The same order as metrics(of:): recorded with the commit first, then added later, by time.
                for m in try MetricRow.filter(chunk.contains(Column("commitId")))
                    .order(sql: "commitId, CASE origin WHEN 'commit' THEN 0 ELSE 1 END, time, id").fetchAll(db) {
                    metrics[m.commitId, default: []].append(m.metric)
                }
            }
            return (records, parents, metrics)
        }
    }
}
