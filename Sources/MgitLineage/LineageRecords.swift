import Foundation
import GRDB
import MgitStore

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

    /// The memberwise initializer, for the modules above this one.
    package init(id: String, tree: String, branch: String? = nil, operation: String, message: String, author: String, time: Double, parameterCount: Int? = nil, sourceFile: String? = nil, details: String? = nil) {
        self.id = id
        self.tree = tree
        self.branch = branch
        self.operation = operation
        self.message = message
        self.author = author
        self.time = time
        self.parameterCount = parameterCount
        self.sourceFile = sourceFile
        self.details = details
    }
}

package struct ParentRow: Codable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "commitParents"
    package var commitId: String
    package var position: Int
    package var parentId: String

    /// The memberwise initializer, for the modules above this one.
    package init(commitId: String, position: Int, parentId: String) {
        self.commitId = commitId
        self.position = position
        self.parentId = parentId
    }
}

package struct SourceRow: Codable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "commitSources"
    package var commitId: String
    package var position: Int
    package var sourceId: String

    /// The memberwise initializer, for the modules above this one.
    package init(commitId: String, position: Int, sourceId: String) {
        self.commitId = commitId
        self.position = position
        self.sourceId = sourceId
    }
}

package struct TensorRow: Codable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "tensors"
    package var commitId: String
    package var position: Int
    package var name: String
    package var blob: String
    package var dtype: String
    package var shape: String

    /// The memberwise initializer, for the modules above this one.
    package init(commitId: String, position: Int, name: String, blob: String, dtype: String, shape: String) {
        self.commitId = commitId
        self.position = position
        self.name = name
        self.blob = blob
        self.dtype = dtype
        self.shape = shape
    }
}

package struct MetricRow: Codable, FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "metrics"
    package var id: Int64?
    package var commitId: String
    package var name: String
    package var value: Double
    package var split: String?
    package var source: String?
    package var time: Double?
    package var origin: String

    package mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    package var metric: Metric { Metric(name: name, value: value, split: split, source: source, time: time) }

    /// The memberwise initializer, for the modules above this one.
    package init(id: Int64? = nil, commitId: String, name: String, value: Double, split: String? = nil, source: String? = nil, time: Double? = nil, origin: String) {
        self.id = id
        self.commitId = commitId
        self.name = name
        self.value = value
        self.split = split
        self.source = source
        self.time = time
        self.origin = origin
    }
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

    /// The memberwise initializer, for the modules above this one.
    package init(id: Int64? = nil, kind: String, status: String, commitId: String? = nil, branch: String? = nil, details: String? = nil, time: Double) {
        self.id = id
        self.kind = kind
        self.status = status
        self.commitId = commitId
        self.branch = branch
        self.details = details
        self.time = time
    }
}

package struct StateRow: Codable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "state"
    package var key: String
    package var value: String

    /// The memberwise initializer, for the modules above this one.
    package init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}
