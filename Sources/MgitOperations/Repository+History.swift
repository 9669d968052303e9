import Foundation
import MgitInterop
import MgitStore
import MgitLineage
import MgitTensor

/// One line of `mgit log`.
public struct CommitSummary: Codable, Sendable, Equatable {
    public var commit: String
    public var parents: [String]
    public var branch: String?
    public var operation: String
    public var message: String
    public var author: String
    /// ISO 8601.
    public var date: String
    public var parameters: Int?
    /// Branches and tags pointing here.
    public var refs: [String]
}

/// Everything `mgit show` prints about one commit.
public struct CommitDetails: Codable, Sendable, Equatable {
    public struct TensorInfo: Codable, Sendable, Equatable {
        public var name: String
        public var dtype: String
        public var shape: [Int]
        public var bytes: Int
        public var blob: String
    }
    public var summary: CommitSummary
    public var sources: [String]
    public var sourceFile: String?
    public var tensors: [TensorInfo]
    public var parameters: Int
    public var bytes: Int
    public var metadata: [String: String]
    public var metrics: [Metric]
    /// The operation's details (`operation.json`), if any.
    public var details: JSONDocument?
}

/// One commit in `mgit lineage`: how it was made and from what.
public struct LineageNode: Codable, Sendable, Equatable {
    public var commit: String
    /// Distance from the commit asked about (0 for itself).
    public var depth: Int
    public var operation: String
    public var branch: String?
    public var message: String
    public var parents: [String]
    public var sources: [String]
    public var sourceFile: String?
    public var metrics: [Metric]
}

extension Repository {
    /// Commits reachable from `revision` (default HEAD), newest first.
    public func log(_ revision: String? = nil, limit: Int? = nil) throws -> [CommitSummary] {
        if let limit {
            guard limit >= 0 else { throw MgitError(.invalidInput, "the commit count must be 0 or more, got \(limit)") }
            if limit == 0 { return [] }
        }
        let start: ObjectID
        if let revision {
            start = try git.resolveCommit(revision)
        } else {
            guard let head = try? git.resolveCommit("HEAD") else { return [] }
            start = head
        }
        let refs = try refNamesByCommit()
        return try git.history(from: start, limit: limit).map { try summary($0, refs: refs) }
    }

    package func refNamesByCommit() throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for (name, target) in try git.references(matching: "refs/heads/*") {
            out[target.hex, default: []].append(String(name.dropFirst("refs/heads/".count)))
        }
        for (name, target) in try git.references(matching: "refs/tags/*") {
            out[target.hex, default: []].append("tag: " + name.dropFirst("refs/tags/".count))
        }
        return out
    }

    package func summary(_ id: ObjectID, refs: [String: [String]]) throws -> CommitSummary {
        let record = try lineage.commit(id.hex) ?? (try LineageStore.readIndexedCommit(id, in: git).record)
        let date = Date(timeIntervalSince1970: record.time)
        return CommitSummary(commit: id.hex, parents: try lineage.parents(of: id.hex), branch: record.branch,
                             operation: record.operation, message: record.message, author: record.author,
                             date: ISO8601DateFormatter().string(from: date), parameters: record.parameterCount,
                             refs: refs[id.hex] ?? [])
    }

    /// The commit at `revision`: its tensors, parameter count, metrics and lineage.
    public func show(_ revision: String) throws -> CommitDetails {
        let id = try git.resolveCommit(revision)
        let indexed = try LineageStore.readIndexedCommit(id, in: git)
        // The indexed commit already holds the manifest and the operation's details; read nothing twice.
        let manifest = try indexed.manifest ?? store.manifest(of: id)
        let details = indexed.record.details.flatMap { try? JSONDecoder().decode(JSONDocument.self, from: Data($0.utf8)) }
        return CommitDetails(
            summary: try summary(id, refs: try refNamesByCommit()),
            sources: indexed.sources, sourceFile: indexed.record.sourceFile,
            tensors: manifest.tensors.map { .init(name: $0.name, dtype: $0.dtype.rawValue, shape: $0.shape, bytes: $0.bytes, blob: $0.blob) },
            parameters: manifest.parameterCount, bytes: manifest.byteCount, metadata: manifest.metadata,
            metrics: try lineage.metrics(of: id.hex), details: details)
    }

    /// The ancestry of `revision` through parents and sources, nearest first, each with its operation.
    public func lineage(_ revision: String, depth maxDepth: Int? = nil) throws -> [LineageNode] {
        let start = try git.resolveCommit(revision).hex
        var out: [LineageNode] = []
        var queue: [(String, Int)] = [(start, 0)]
        var seen: Set<String> = [start]
        while !queue.isEmpty {
            let (id, depth) = queue.removeFirst()
            guard let record = try lineage.commit(id) else { continue }
            let parents = try lineage.parents(of: id)
            let sources = try lineage.sources(of: id)
            out.append(LineageNode(commit: id, depth: depth, operation: record.operation, branch: record.branch,
                                   message: record.message, parents: parents, sources: sources,
                                   sourceFile: record.sourceFile, metrics: try lineage.metrics(of: id)))
            if let maxDepth, depth >= maxDepth { continue }
            for next in parents + sources where seen.insert(next).inserted {
                queue.append((next, depth + 1))
            }
        }
        return out
    }
}

extension Repository {
    /// Every recorded operation, oldest first: committed ones (from git) and refused ones, dry runs and
    /// barrier measurements (kept only in the lineage database).
    public func operations() throws -> [OperationRow] { try lineage.allOperations() }
}
