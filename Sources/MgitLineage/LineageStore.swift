import Foundation
import GRDB
import MgitInterop

/// The lineage and metrics database, `.mgit/lineage.sqlite`: an index of what git holds, kept in step with it.
///
/// Git is the source of truth (commit trailers, `manifest.json`, `operation.json`, the metrics notes); this
/// database makes lineage and metric queries fast. Every commit reaches it through ``index(_:)``, the same
/// path `mgit reindex` takes, so a database that fell behind (a crash between a ref update and the insert)
/// is caught up the next time the repository is opened. The only rows git does not hold are audit records
/// of operations that were refused (a rejected merge).
package final class LineageStore {
    package let queue: DatabaseQueue
    package let path: String

    package init(path: String, readOnly: Bool = false) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.readonly = readOnly
        configuration.foreignKeysEnabled = true
        configuration.label = "lineage"
        self.path = path
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            if !readOnly { try Self.migrator.migrate(queue) }
        } catch let error as DatabaseError {
            throw Self.mgitError(error, "opening the lineage database '\(path)'")
        }
    }

    package static func mgitError(_ error: DatabaseError, _ what: String) -> MgitError {
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            MgitError(.busy, "\(what): the database is busy (another mgit process is writing); try again",
                      underlying: error.message)
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
            MgitError(.io, "\(what): the database cannot be written (is the repository read-only?)",
                      underlying: error.message)
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            MgitError(.corrupt, "\(what): the database is damaged; remove it and run 'mgit reindex'",
                      underlying: error.message)
        default:
            MgitError(.storage, what, underlying: error.message)
        }
    }

    /// Runs a write transaction, mapping SQLite errors to ``MgitError``.
    package func write<T>(_ what: @autoclosure () -> String, _ body: (Database) throws -> T) throws -> T {
        do { return try queue.write(body) } catch let error as DatabaseError { throw Self.mgitError(error, what()) }
    }

    /// Runs a read, mapping SQLite errors to ``MgitError``.
    package func read<T>(_ what: @autoclosure () -> String, _ body: (Database) throws -> T) throws -> T {
        do { return try queue.read(body) } catch let error as DatabaseError { throw Self.mgitError(error, what()) }
    }

    package static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "commits") { t in
                t.primaryKey("id", .text)
                t.column("tree", .text).notNull()
                t.column("branch", .text)
                t.column("operation", .text).notNull().indexed()
                t.column("message", .text).notNull()
                t.column("author", .text).notNull()
                t.column("time", .double).notNull()
                t.column("parameterCount", .integer)
                t.column("sourceFile", .text)
                t.column("details", .text)
            }
            try db.create(table: "commitParents") { t in
                t.column("commitId", .text).notNull().references("commits", onDelete: .cascade)
                t.column("position", .integer).notNull()
                t.column("parentId", .text).notNull().indexed()
                t.primaryKey(["commitId", "position"])
            }
            try db.create(table: "commitSources") { t in
                t.column("commitId", .text).notNull().references("commits", onDelete: .cascade)
                t.column("position", .integer).notNull()
                t.column("sourceId", .text).notNull().indexed()
                t.primaryKey(["commitId", "position"])
            }
            try db.create(table: "tensors") { t in
                t.column("commitId", .text).notNull().references("commits", onDelete: .cascade)
                t.column("position", .integer).notNull()
                t.column("name", .text).notNull()
                t.column("blob", .text).notNull().indexed()
                t.column("dtype", .text).notNull()
                t.column("shape", .text).notNull()
                t.primaryKey(["commitId", "name"])
            }
            try db.create(table: "metrics") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("commitId", .text).notNull().indexed()
                t.column("name", .text).notNull()
                t.column("value", .double).notNull()
                t.column("split", .text)
                t.column("source", .text)
                t.column("time", .double)
                // `commit`: recorded in the commit's operation.json; `note`: added later, in the metrics notes.
                t.column("origin", .text).notNull()
            }
            try db.create(table: "operations") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("kind", .text).notNull()
                // `committed` (the commit exists in git), `rejected`, `dry-run`
                t.column("status", .text).notNull()
                t.column("commitId", .text).indexed()
                t.column("branch", .text)
                t.column("details", .text)
                t.column("time", .double).notNull()
            }
            try db.create(table: "state") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
        }
        return migrator
    }
}
