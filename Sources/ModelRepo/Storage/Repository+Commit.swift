import Foundation

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
}

/// How a commit is made: what, where, by whom.
struct CommitRequest {
    var message: String
    var branch: String?
    var operation: OperationRecord
    var author: Person?
    /// Extra trailers beyond operation, branch and sources.
    var trailers: [(key: String, value: String)] = []
    /// Parents to use instead of the branch head (a merge names two).
    var parents: [ObjectID]? = nil
    /// Extra files at the root of the commit's tree (`arch.json`, `permutations.json`).
    var extraFiles: [String: [UInt8]] = [:]
    /// The branch head the operation started from: if the branch moved meanwhile, the commit is refused.
    var expectedHead: ObjectID? = nil
    /// A model folder's other files, already stored as blobs; they go under `files/` and into the manifest.
    var modelFiles: [ModelFile]? = nil
}

extension Repository {
    /// Imports a safetensors checkpoint (a file, a sharded `*.index.json`, or a model folder) as one commit.
    ///
    /// A folder's tensors are stored as a file's are, each remembering its shard; its other files (config,
    /// tokenizer, model card) are stored byte for byte as ordinary blobs under `files/` (``ModelFolder``).
    ///
    /// - Parameters:
    ///   - branch: the branch to commit on (default: HEAD's); a branch that does not exist yet is created, and
    ///     its first commit starts a new line of history (no parent).
    ///   - metrics: figures to record with the commit (stored in its `operation.json`).
    public func commit(checkpointAt path: String, message: String, branch: String? = nil, metrics: [Metric] = [],
                       author: Person? = nil, architecture: [UInt8]? = nil) throws -> CommitResult {
        let fileName = URL(fileURLWithPath: path).lastPathComponent
        var request = CommitRequest(
            message: message, branch: branch,
            operation: OperationRecord(operation: "import", branch: nil, sourceFile: fileName, metrics: metrics),
            author: author, trailers: [("Import", fileName)])
        if let architecture { request.extraFiles["arch.json"] = architecture }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            try requireWritable("commit")
            let folder = try ModelFolder(path: path, maxFileSize: try maxModelFileSize())
            let source = try folder.tensorSource()
            try source.checkMetadataAgrees()
            request.modelFiles = try folder.otherFiles.map { relative in
                let bytes: Data
                do { bytes = try Data(contentsOf: URL(fileURLWithPath: folder.path + "/" + relative)) } catch {
                    throw MgitError(.io, "cannot read '\(folder.path)/\(relative)': \(error.localizedDescription)")
                }
                let id = try bytes.withUnsafeBytes { try git.writeBlob($0) }
                return ModelFile(path: relative, blob: id.hex, bytes: bytes.count)
            }
            return try commit(source, request)
        }
        return try commit(try SafeTensorsReader(path: path), request)
    }

    /// Commits a checkpoint held in memory (training, rebase, merge).
    func commit(_ checkpoint: Checkpoint, _ request: CommitRequest) throws -> CommitResult {
        try commit(checkpoint as any TensorSource, request)
    }

    /// Writes the tensors, the manifest, the tree and the commit, then moves the branch (the commit point).
    func commit(_ source: any TensorSource, _ request: CommitRequest) throws -> CommitResult {
        let start = Date()
        try requireWritable("commit")
        sweepStaleTemporaryFiles()
        let branchName = try request.branch ?? currentBranch()
        let refName = "refs/heads/" + branchName
        guard git.isValidReferenceName(refName) else {
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
        try catchUpLineage()

        let result = CommitResult(commit: commit.hex, branch: branchName, parents: parents.map(\.hex),
                                  tensors: stored.entries.count, reusedTensors: stored.reused, bytesAdded: stored.bytesAdded,
                                  totalBytes: written.byteCount, seconds: Date().timeIntervalSince(start))
        // post-commit hooks are told; they cannot undo the commit, and their failure does not fail it.
        _ = try? HookRunner.run("post-commit", in: self, payload: result,
                                environment: ["MGIT_COMMIT": commit.hex, "MGIT_BRANCH": branchName])
        return result
    }

    /// Writes a commit that no branch points to (an aligned model only a merge commit will reference).
    func writeDetachedCommit(_ source: any TensorSource, _ request: CommitRequest) throws -> ObjectID {
        try writeCommitObjects(source, request, branch: nil, parents: request.parents ?? []).commit
    }

    /// Tensors, manifest, operation record, trees and the commit object: everything but the ref update.
    private func writeCommitObjects(_ source: any TensorSource, _ request: CommitRequest, branch branchName: String?,
                                    parents: [ObjectID])
        throws -> (commit: ObjectID, tree: ObjectID, stored: (entries: [CheckpointManifest.Entry], reused: Int, bytesAdded: Int), byteCount: Int) {
        let stored = try storeTensors(source)
        var operation = request.operation
        operation.branch = branchName
        let manifest = CheckpointManifest(metadata: source.metadata, hasMetadataMap: source.hasMetadataMap,
                                          tensors: stored.entries, files: request.modelFiles)

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
            .init(name: String($0.path.dropFirst("tensors/".count)), id: ObjectID(hex: $0.blob)!, isTree: $0.chunkBytes != nil)
        })
        rootEntries.append(.init(name: "tensors", id: tensorTree, isTree: true))
        if let files = request.modelFiles, !files.isEmpty {
            rootEntries.append(.init(name: "files", id: try writeFolderTree(files.map { ($0.path, ObjectID(hex: $0.blob)!) }),
                                     isTree: true))
        }
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
            throw MgitError(.invalidInput, "HEAD is not on a branch: name one with --branch, or 'mgit switch BRANCH'")
        }
        return String(ref.dropFirst("refs/heads/".count))
    }

    /// Writes every tensor of `source` that the store lacks into one new pack, and returns the manifest entries.
    ///
    /// Ids are computed with OpenSSL's SHA-1 (see docs/STORAGE.md): an id already present is trusted only after
    /// its stored bytes compare equal to the new ones.
    private func storeTensors(_ source: any TensorSource) throws -> (entries: [CheckpointManifest.Entry], reused: Int, bytesAdded: Int) {
        let count = source.tensorCount
        let chunking = try tensorChunking()
        var seenNames = Set<String>()
        var paths = Set<String>()
        var described: [(name: String, dtype: DType, shape: [Int])] = []
        for i in 0..<count {
            let d = source.describe(i)
            guard seenNames.insert(d.name).inserted else {
                throw MgitError(.invalidInput, "tensor name '\(d.name)' appears twice")
            }
            precondition(paths.insert(TensorPath.encode(d.name)).inserted, "tensor path collision for '\(d.name)'")
            described.append(d)
        }
        // One pass per tensor: the pack writer computes the id while it writes, and asks whether the store already
        // has it; a stored id is trusted only after the stored bytes compare equal.
        let writer = try PackWriter(objectsDirectory: git.gitDirectory + "objects", expectedObjectCount: count)
        var reused = 0
        var bytesAdded = 0
        var entries: [CheckpointManifest.Entry] = []
        var chunkIDs: [Int: [ObjectID]] = [:]  // entry index → its chunks' blob ids, for chunked tensors
        /// Stores one blob (a whole tensor or one chunk) unless the store has it; says whether it was added.
        ///
        /// A stored id is trusted only after the stored bytes compare equal to `bytes`, which the pack writer has
        /// just hashed itself (OpenSSL SHA-1): equal bytes then hash to that id, so libgit2's own re-hashing of
        /// the stored copy (collision-detecting SHA-1, the slowest step of a re-commit) would prove nothing more
        /// and is switched off for this read (docs/STORAGE-PACKS.md, "Re-committing").
        func store(_ bytes: UnsafeRawBufferPointer, _ what: String) throws -> (ObjectID, Bool) {
            try writer.addBlob(bytes) { id in
                guard git.contains(id) else { return false }
                try withoutReadVerification { try git.withObject(id, "stored \(what)") { stored in
                    guard stored.count == bytes.count,
                          bytes.count == 0 || memcmp(stored.baseAddress!, bytes.baseAddress!, bytes.count) == 0 else {
                        throw MgitError(.corrupt, "\(what) has the id \(id) of a different stored object "
                                        + "(a SHA-1 collision or a damaged store); nothing was committed")
                    }
                } }
                return true
            }
        }
        for i in 0..<count {
            let d = described[i]
            let (entry, chunks) = try source.withBytes(of: i) { bytes -> (CheckpointManifest.Entry, [ObjectID]?) in
                var entry = CheckpointManifest.Entry(name: d.name, dtype: d.dtype, shape: d.shape, blob: "",
                                                     path: "tensors/" + TensorPath.encode(d.name), bytes: bytes.count,
                                                     file: source.file(of: i))
                guard let chunkBytes = chunking.chunkBytes(byteCount: bytes.count, shape: d.shape) else {
                    let (id, added) = try store(bytes, "tensor '\(d.name)'")
                    if added { bytesAdded += bytes.count } else { reused += 1 }
                    entry.blob = id.hex
                    return (entry, nil)
                }
                entry.chunkBytes = chunkBytes
                var ids: [ObjectID] = []
                var anyAdded = false
                for (index, range) in TensorChunking.ranges(byteCount: bytes.count, chunkBytes: chunkBytes).enumerated() {
                    let (id, added) = try store(UnsafeRawBufferPointer(rebasing: bytes[range]),
                                                "chunk \(index) of tensor '\(d.name)'")
                    if added { bytesAdded += range.count; anyAdded = true }
                    ids.append(id)
                }
                if !anyAdded { reused += 1 }
                return (entry, ids)
            }
            source.releasePages(of: i)
            if let chunks { chunkIDs[entries.count] = chunks }
            entries.append(entry)
        }
        if try writer.finish() != nil {
            try git.refreshObjects()
        }
        // Chunk trees name their blobs, so they are written once the pack holding those blobs is in place.
        for (index, ids) in chunkIDs {
            let tree = try git.writeTree(ids.enumerated().map {
                .init(name: TensorChunking.entryName($0.offset), id: $0.element, isTree: false)
            })
            entries[index].blob = tree.hex
        }
        return (entries, reused, bytesAdded)
    }
}

extension Repository {
    /// The largest non-tensor file a folder commit takes (`commit.maxFileSize`, default 50 MiB).
    func maxModelFileSize() throws -> Int {
        guard let text = config.string(ModelFolder.maxFileSizeKey) else { return ModelFolder.defaultMaxFileSize }
        guard let size = ByteSize.parse(text) else {
            throw MgitError(.invalidInput, "config \(ModelFolder.maxFileSizeKey) is '\(text)', not a size; "
                            + "give one like 50MiB (mgit config \(ModelFolder.maxFileSizeKey) 50MiB)")
        }
        return size
    }

    /// Writes the trees for `files` (`/`-separated paths, each with its blob) and returns the top one.
    func writeFolderTree(_ files: [(path: String, id: ObjectID)]) throws -> ObjectID {
        var blobs: [GitRepository.TreeEntry] = []
        var folders: [String: [(path: String, id: ObjectID)]] = [:]
        for (path, id) in files {
            if let slash = path.firstIndex(of: "/") {
                folders[String(path[..<slash]), default: []].append((String(path[path.index(after: slash)...]), id))
            } else {
                blobs.append(.init(name: path, id: id, isTree: false))
            }
        }
        for (name, children) in folders {
            blobs.append(.init(name: name, id: try writeFolderTree(children), isTree: true))
        }
        return try git.writeTree(blobs)
    }
}
