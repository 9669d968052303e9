import Foundation
import MgitInterop
import MgitTensor

/// Who made a commit: `Name <email>`.
public struct Person: Sendable, Equatable {
    public var name: String
    public var email: String

    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }

    /// Parses `Name <email>`.
    public static func parse(_ text: String) throws -> Person {
        guard let lt = text.firstIndex(of: "<"), let gt = text.lastIndex(of: ">"), lt < gt else {
            throw MgitError(.invalidInput, "author '\(text)' is not in the form \"Name <email>\"")
        }
        let name = text[..<lt].trimmingCharacters(in: .whitespaces)
        let email = String(text[text.index(after: lt)..<gt])
        guard !name.isEmpty, !email.contains("<"), !email.contains(">") else {
            throw MgitError(.invalidInput, "author '\(text)' is not in the form \"Name <email>\"")
        }
        return Person(name: name, email: email)
    }
}

/// What a commit wrote.
public struct CommitResult: Codable, Sendable, Equatable {
    public var commit: String
    public var branch: String
    public var parents: [String]
    public var tensors: Int
    /// Tensors whose blob was already stored (nothing new written for them).
    public var reusedTensors: Int
    /// Bytes of tensor data the commit added to the object store (new blobs only).
    public var bytesAdded: Int
    public var totalBytes: Int
    public var seconds: Double

    /// The memberwise initializer, for the modules above this one.
    package init(commit: String, branch: String, parents: [String], tensors: Int, reusedTensors: Int, bytesAdded: Int, totalBytes: Int, seconds: Double) {
        self.commit = commit
        self.branch = branch
        self.parents = parents
        self.tensors = tensors
        self.reusedTensors = reusedTensors
        self.bytesAdded = bytesAdded
        self.totalBytes = totalBytes
        self.seconds = seconds
    }
}

/// How a commit is made: what, where, by whom.
package struct CommitRequest {
    package var message: String
    package var branch: String?
    package var operation: OperationRecord
    package var author: Person?
    /// Extra trailers beyond operation, branch and sources.
    package var trailers: [(key: String, value: String)] = []
    /// Parents to use instead of the branch head (a merge names two).
    package var parents: [ObjectID]? = nil
    /// Extra files at the root of the commit's tree (`arch.json`, `permutations.json`).
    package var extraFiles: [String: [UInt8]] = [:]
    /// The branch head the operation started from: if the branch moved meanwhile, the commit is refused.
    package var expectedHead: ObjectID? = nil

    /// The memberwise initializer, for the modules above this one.
    package init(message: String, branch: String? = nil, operation: OperationRecord, author: Person? = nil, trailers: [(key: String, value: String)] = [], parents: [ObjectID]? = nil, extraFiles: [String: [UInt8]] = [:], expectedHead: ObjectID? = nil) {
        self.message = message
        self.branch = branch
        self.operation = operation
        self.author = author
        self.trailers = trailers
        self.parents = parents
        self.extraFiles = extraFiles
        self.expectedHead = expectedHead
    }
}

extension CheckpointStore {
    /// Writes the tensors, the manifest, the tree and the commit, then moves the branch (the commit point).
    ///
    /// Storage only: the caller indexes the new commit in the lineage database and tells the post-commit hooks.
    package func writeCommit(_ source: any TensorSource, _ request: CommitRequest) throws -> (result: CommitResult, tree: ObjectID) {
        let start = Date()
        try requireWritable("commit")
        sweepStaleTemporaryFiles()
        let branchName = try request.branch ?? currentBranch()
        let refName = "refs/heads/" + branchName
        guard git.isValidReferenceName(refName), !Self.reservedRefNames.contains(branchName), !branchName.hasPrefix("-") else {
            throw MgitError(.invalidInput, "'\(branchName)' is not a valid branch name")
        }
        let previousHead = try git.referenceTarget(refName)
        if let expected = request.expectedHead, expected != previousHead {
            throw MgitError(.busy, "branch '\(branchName)' moved while this command ran (now \(previousHead?.hex.prefix(10) ?? "deleted")); "
                            + "nothing was committed, run it again")
        }
        let parents = request.parents ?? previousHead.map { [$0] } ?? []

        let written = try writeCommitObjects(source, request, branch: branchName, parents: parents)
        let commit = written.commit, tree = written.tree, stored = written.stored

        try git.updateReference(refName, to: commit, expected: previousHead,
                                logMessage: "mgit \(request.operation.operation): \(request.message)")
        if try git.headReferenceName() == refName { try? git.resetIndex(to: tree) }

        let result = CommitResult(commit: commit.hex, branch: branchName, parents: parents.map(\.hex),
                                  tensors: stored.entries.count, reusedTensors: stored.reused, bytesAdded: stored.bytesAdded,
                                  totalBytes: written.byteCount, seconds: Date().timeIntervalSince(start))
        return (result, tree)
    }

    /// Writes a commit that no branch points to (an aligned model only a merge commit will reference).
    package func writeDetachedCommit(_ source: any TensorSource, _ request: CommitRequest) throws -> ObjectID {
        try writeCommitObjects(source, request, branch: nil, parents: request.parents ?? []).commit
    }

    /// Tensors, manifest, operation record, trees and the commit object: everything but the ref update.
    private func writeCommitObjects(_ source: any TensorSource, _ request: CommitRequest, branch branchName: String?,
                                    parents: [ObjectID])
        throws -> (commit: ObjectID, tree: ObjectID, stored: (entries: [CheckpointManifest.Entry], reused: Int, bytesAdded: Int), byteCount: Int) {
        let stored = try storeTensors(source)
        var operation = request.operation
        operation.branch = branchName
        let manifest = CheckpointManifest(metadata: source.metadata, tensors: stored.entries)

        var rootEntries: [GitRepository.TreeEntry] = []
        rootEntries.append(.init(name: "manifest.json", id: try git.writeBlob(try manifest.encoded()), isTree: false))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let operationBytes = Array(try encoder.encode(operation)) + [UInt8(ascii: "\n")]
        rootEntries.append(.init(name: "operation.json", id: try git.writeBlob(operationBytes), isTree: false))
        for (name, bytes) in request.extraFiles.sorted(by: { $0.key < $1.key }) {
            rootEntries.append(.init(name: name, id: try git.writeBlob(bytes), isTree: false))
        }
        let tensorTree = try git.writeTree(stored.entries.map {
            .init(name: String($0.path.dropFirst("tensors/".count)), id: try $0.blobID, isTree: false)
        })
        rootEntries.append(.init(name: "tensors", id: tensorTree, isTree: true))
        let tree = try git.writeTree(rootEntries)

        let trailers = CommitTrailers(operation: operation.operation, branch: branchName, sources: operation.sources,
                                      extra: request.trailers)
        let defaultPerson = git.defaultPerson()
        let author = GitRepository.Person(name: request.author?.name ?? defaultPerson.name,
                                          email: request.author?.email ?? defaultPerson.email)
        let committer = GitRepository.Person(name: defaultPerson.name, email: defaultPerson.email)
        let message = trailers.message(subject: request.message.isEmpty ? "\(operation.operation) checkpoint" : request.message)
        let commit = try git.writeCommit(tree: tree, parents: parents, message: message, author: author, committer: committer)
        return (commit, tree, stored, manifest.byteCount)
    }

    /// The branch HEAD names (even with no commit yet).
    public func currentBranch() throws -> String {
        guard let ref = try git.headReferenceName(), ref.hasPrefix("refs/heads/") else {
            throw MgitError(.invalidInput, "HEAD is not on a branch: name the branch to commit on, or 'mgit switch BRANCH'",
                            parameter: "branch")
        }
        return String(ref.dropFirst("refs/heads/".count))
    }

    /// Writes every tensor of `source` that the store lacks into one new pack, and returns the manifest entries.
    ///
    /// Ids are computed with OpenSSL's SHA-1 (see docs/STORAGE.md): an id already present is trusted only after
    /// its stored bytes compare equal to the new ones.
    private func storeTensors(_ source: any TensorSource) throws -> (entries: [CheckpointManifest.Entry], reused: Int, bytesAdded: Int) {
        let count = source.tensorCount
        var seenNames = Set<String>()
        var paths = Set<String>()
        var described: [(name: String, dtype: DType, shape: [Int])] = []
        for i in 0..<count {
            let d = source.describe(i)
            if let problem = CheckpointManifest.TensorNameRule.problem(d.name) {
                throw MgitError(.invalidInput, "tensor name '\(d.name.debugDescription.dropFirst().dropLast())' \(problem); "
                                + "rename the tensor; nothing was committed")
            }
            guard seenNames.insert(d.name).inserted else {
                throw MgitError(.invalidInput, "tensor name '\(d.name)' appears twice")
            }
            guard paths.insert(TensorPath.encode(d.name)).inserted else {
                throw MgitError(.invalidInput, "tensor name '\(d.name)' maps to the same stored path as another tensor; "
                                + "nothing was committed")
            }
            described.append(d)
        }
        // One pass per tensor: the pack writer computes the id while it writes, and asks whether the store already
        // has it; a stored id is trusted only after the stored bytes compare equal.
        let writer = try PackWriter(objectsDirectory: git.gitDirectory + "objects", expectedObjectCount: count)
        var reused = 0
        var bytesAdded = 0
        var entries: [CheckpointManifest.Entry] = []
        for i in 0..<count {
            let d = described[i]
            let (id, byteCount) = try source.withBytes(of: i) { bytes -> (ObjectID, Int) in
                let (objectID, added) = try writer.addBlob(bytes) { objectID in
                    let id = objectID
                    guard git.contains(id) else { return false }
                    try git.withObject(id, "stored tensor '\(d.name)'") { stored in
                        guard stored.count == bytes.count,
                              bytes.count == 0 || memcmp(stored.baseAddress!, bytes.baseAddress!, bytes.count) == 0 else {
                            throw MgitError(.corrupt, "tensor '\(d.name)' has the id \(id) of a different stored object "
                                            + "(a SHA-1 collision or a damaged store); nothing was committed")
                        }
                    }
                    return true
                }
                if added { bytesAdded += bytes.count } else { reused += 1 }
                return (objectID, bytes.count)
            }
            source.releasePages(of: i)
            entries.append(.init(name: d.name, dtype: d.dtype, shape: d.shape, blob: id.hex,
                                 path: "tensors/" + TensorPath.encode(d.name), bytes: byteCount))
        }
        if try writer.finish() != nil {
            try git.refreshObjects()
        }
        return (entries, reused, bytesAdded)
    }
}
