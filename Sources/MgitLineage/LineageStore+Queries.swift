import Foundation
import GRDB
import MgitStore

extension LineageStore {
    package func commit(_ id: String) throws -> CommitRecord? {
        try read("reading the lineage database") { db in try CommitRecord.fetchOne(db, key: id) }
    }

    package func parents(of id: String) throws -> [String] {
        try read("reading the lineage database") { db in
            try String.fetchAll(db, ParentRow.select(Column("parentId")).filter(Column("commitId") == id)
                .order(Column("position")))
        }
    }

    package func sources(of id: String) throws -> [String] {
        try read("reading the lineage database") { db in
            try String.fetchAll(db, SourceRow.select(Column("sourceId")).filter(Column("commitId") == id)
                .order(Column("position")))
        }
    }

    /// The metrics of a commit: those recorded with it, then those added later, oldest first.
    package func metrics(of id: String) throws -> [Metric] {
        try read("reading metrics") { db in
            try MetricRow.filter(Column("commitId") == id)
                .order(sql: "CASE origin WHEN 'commit' THEN 0 ELSE 1 END, time, id").fetchAll(db).map(\.metric)
        }
    }

    package func operations(of id: String) throws -> [OperationRow] {
        try read("reading operations") { db in
            try OperationRow.filter(Column("commitId") == id).order(Column("id")).fetchAll(db)
        }
    }

    package func allOperations() throws -> [OperationRow] {
        try read("reading operations") { db in try OperationRow.order(Column("id")).fetchAll(db) }
    }

    package func commitCount() throws -> Int {
        try read("reading the lineage database") { db in try CommitRecord.fetchCount(db) }
    }
}
