import Foundation
import GRDB

/// A commit as the lineage database holds it.
public struct CommitRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "commits"
    public var id: String
    public var tree: String
    public var branch: String?
    /// `import`, `train`, `rebase`, `merge`, ..., or `git` for a commit mgit did not write.
    public var operation: String
    public var message: String
    /// `Name <email>`.
    public var author: String
    /// Seconds since 1970.
    public var time: Double
    public var parameterCount: Int?
    public var sourceFile: String?
    /// The operation's details as JSON text (from `operation.json`).
    public var details: String?
}

struct ParentRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "commitParents"
    var commitId: String
    var position: Int
    var parentId: String
}

struct SourceRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "commitSources"
    var commitId: String
    var position: Int
    var sourceId: String
}

struct TensorRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "tensors"
    var commitId: String
    var position: Int
    var name: String
    var blob: String
    var dtype: String
    var shape: String
}

struct MetricRow: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "metrics"
    var id: Int64?
    var commitId: String
    var name: String
    var value: Double
    var split: String?
    var source: String?
    var time: Double?
    var origin: String

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    var metric: Metric { Metric(name: name, value: value, split: split, source: source, time: time) }
}

/// An operation mgit ran, committed or refused: the audit trail.
public struct OperationRow: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "operations"
    public var id: Int64?
    public var kind: String
    /// `committed`, `rejected` or `dry-run`.
    public var status: String
    public var commitId: String?
    public var branch: String?
    /// JSON text.
    public var details: String?
    public var time: Double

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

struct StateRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "state"
    var key: String
    var value: String
}
