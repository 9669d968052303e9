import Foundation
import GRDB
import MgitInterop
import MgitStore

extension LineageStore {
    /// Indexes every commit reachable from a branch, tag or remote-tracking branch that the lineage database does not hold yet, and
    /// re-reads the metrics notes if they moved. Cheap when nothing changed: one lookup per ref.
    package func catchUp(from store: CheckpointStore) throws {
        let git = store.git, lineage = self
        let refs = try git.references(matching: "refs/heads/*") + (try git.references(matching: "refs/tags/*"))
            + (try git.references(matching: "refs/remotes/*"))
        let heads = Array(Set(refs.map(\.target.hex)))
        var known = try lineage.knownCommits(heads)
        var pending: [ObjectID] = heads.filter { !known.contains($0) }.compactMap { ObjectID(hex: $0) }
        var found: [IndexedCommit] = []
        var seen = Set<String>()
        while let next = pending.popLast() {
            guard seen.insert(next.hex).inserted else { continue }
            let commit = Self.indexableCommit(next, in: git)
            found.append(commit)
            let unknown = try lineage.knownCommits(commit.parents)
            known.formUnion(unknown)
            pending += commit.parents.filter { !known.contains($0) && !seen.contains($0) }.compactMap { ObjectID(hex: $0) }
        }
        try lineage.index(found.reversed())

        let notesHead = try Self.metricsNotesTip(in: git)?.hex ?? ""
        // Notes fetched before the commits they annotate are read once those commits arrive.
        if try lineage.indexedNotesCommit() != notesHead || (!found.isEmpty && !notesHead.isEmpty) {
            try lineage.replaceNoteMetrics(try readAllNoteMetrics(from: git), notesCommit: notesHead)
        }
    }

    /// Rebuilds the lineage database from git alone: commits, tensors, operations and metrics.
    ///
    /// Refused operations (an audit trail git does not hold) are kept.
    @discardableResult
    package func reindex(from store: CheckpointStore) throws -> ReindexReport {
        let lineage = self
        try store.requireWritable("reindex")
        try lineage.removeIndexedRows()
        try catchUp(from: store)
        let metrics = try lineage.read("counting metrics") { db in try MetricRow.fetchCount(db) }
        return ReindexReport(commits: try lineage.commitCount(), metrics: metrics)
    }

    /// Reads one commit from git in the form the lineage database stores.
    package static func readIndexedCommit(_ id: ObjectID, in git: GitRepository) throws -> IndexedCommit {
        let object = try git.commit(id)
        let parsed = CommitTrailers.parse(object.message)
        let files = try git.treeEntries(object.tree)
        var manifest: CheckpointManifest?
        var operation: OperationRecord?
        if let entry = files.first(where: { $0.name == "manifest.json" && !$0.isTree }) {
            manifest = try git.withObject(entry.id, "the manifest of \(id)") {
                try CheckpointManifest.decode($0, commit: id.hex)
            }
        }
        if let entry = files.first(where: { $0.name == "operation.json" && !$0.isTree }) {
            operation = try git.withObject(entry.id, "the operation record of \(id)") {
                try? JSONDecoder().decode(OperationRecord.self, from: Data($0))
            }
            try operation?.validate(commit: id.hex)
        }
        var details: String?
        if let d = operation?.details {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            details = String(decoding: try encoder.encode(d), as: UTF8.self)
        }
        let subject = parsed?.subject ?? object.message
        let record = CommitRecord(
            id: id.hex, tree: object.tree.hex,
            branch: operation?.branch ?? parsed?.trailers.branch,
            operation: operation?.operation ?? parsed?.trailers.operation ?? (manifest == nil ? "git" : "import"),
            message: subject.trimmingCharacters(in: .newlines),
            author: "\(object.authorName) <\(object.authorEmail)>",
            time: Double(object.time),
            parameterCount: manifest?.parameterCount,
            sourceFile: operation?.sourceFile,
            details: details)
        return IndexedCommit(record: record, parents: object.parents.map(\.hex),
                             sources: operation?.sources ?? parsed?.trailers.sources ?? [],
                             manifest: manifest, metrics: operation?.metrics ?? [])
    }

    /// Every commit's metrics from the notes ref.
    package func readAllNoteMetrics(from git: GitRepository) throws -> [String: [Metric]] {
        let lineage = self
        guard let notes = try Self.metricsNotesTip(in: git) else { return [:] }
        var out: [String: [Metric]] = [:]
        for commit in try lineage.read("listing commits", { db in try String.fetchAll(db, sql: "SELECT id FROM commits") }) {
            guard let oid = ObjectID(hex: commit), let text = try git.note(on: oid, notesCommit: notes) else { continue }
            // One bad note (fetched from anyone) loses that commit's noted metrics, not every command.
            do {
                let metrics = try MetricsNote.decode(text, commit: commit).metrics
                try Metric.validate(metrics, where: "the metrics note on commit \(commit.prefix(12))")
                out[commit] = metrics
            } catch let error as MgitError {
                MgitWarning.emit("\(error.message); its metrics notes are skipped")
            }
        }
        return out
    }
}

/// What `mgit reindex` rebuilt.
public struct ReindexReport: Codable, Sendable, Equatable {
    public var commits: Int
    public var metrics: Int

    /// The memberwise initializer, for the modules above this one.
    package init(commits: Int, metrics: Int) {
        self.commits = commits
        self.metrics = metrics
    }
}
