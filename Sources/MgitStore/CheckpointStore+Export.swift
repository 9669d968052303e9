import Foundation
import MgitInterop
import MgitTensor

/// What `mgit export` wrote.
public struct ExportResult: Codable, Sendable, Equatable {
    public var commit: String
    public var path: String
    public var tensors: Int
    public var bytes: Int

    /// The memberwise initializer, for the modules above this one.
    package init(commit: String, path: String, tensors: Int, bytes: Int) {
        self.commit = commit
        self.path = path
        self.tensors = tensors
        self.bytes = bytes
    }
}

extension CheckpointStore {
    /// The manifest of the checkpoint at `revision`.
    public func manifest(at revision: String) throws -> (commit: String, manifest: CheckpointManifest) {
        let id = try git.resolveCommit(revision)
        return (id.hex, try manifest(of: id))
    }

    package func manifest(of commit: ObjectID) throws -> CheckpointManifest {
        let object = try git.commit(commit)
        guard let entry = try git.treeEntries(object.tree).first(where: { $0.name == "manifest.json" }) else {
            throw MgitError(.invalidInput, "commit \(commit.hex.prefix(12)) holds no checkpoint (no manifest.json): "
                            + "it was not made by mgit")
        }
        return try git.withObject(entry.id, "the manifest of \(commit.hex.prefix(12))") {
            try CheckpointManifest.decode($0, commit: commit.hex)
        }
    }

    /// A file at the root of a commit's tree (`arch.json`, `permutations.json`), or nil.
    public func rootFile(_ name: String, at revision: String) throws -> [UInt8]? {
        let object = try git.commit(try git.resolveCommit(revision))
        guard let entry = try git.treeEntries(object.tree).first(where: { $0.name == name && !$0.isTree }) else { return nil }
        return try git.withObject(entry.id, name) { Array($0) }
    }

    /// Writes the checkpoint at `revision` as a safetensors file, one tensor in memory at a time.
    ///
    /// The tensor bytes and metadata are exactly those committed; the layout is the deterministic one of
    /// ``SafeTensors/header(for:metadata:)``, so exporting an exported file's commit gives identical bytes.
    public func export(_ revision: String, to path: String) throws -> ExportResult {
        let (commit, manifest) = try manifest(at: revision)
        let entries = manifest.tensors.map { TensorEntry(name: $0.name, dtype: $0.dtype, shape: $0.shape) }
        let writer = try SafeTensorsWriter(path: path, entries: entries, metadata: manifest.metadata)
        for tensor in manifest.tensors {
            guard let id = ObjectID(hex: tensor.blob) else {
                throw MgitError(.corrupt, "the manifest of \(commit.prefix(12)) names tensor '\(tensor.name)' with a bad blob id")
            }
            try git.withObject(id, "tensor '\(tensor.name)'") { bytes in
                guard bytes.count == tensor.bytes else {
                    throw MgitError(.corrupt, "tensor '\(tensor.name)' of \(commit.prefix(12)) has \(bytes.count) bytes "
                                    + "in the store but the manifest says \(tensor.bytes)")
                }
                try writer.append(bytes)
            }
        }
        try writer.finish()
        return ExportResult(commit: commit, path: path, tensors: manifest.tensors.count, bytes: manifest.byteCount)
    }

    /// Loads the whole checkpoint at `revision` into memory (for evaluation, rebase, merge).
    public func loadCheckpoint(_ revision: String) throws -> Checkpoint {
        let (commit, manifest) = try manifest(at: revision)
        return try loadCheckpoint(manifest, commit: commit)
    }

    package func loadCheckpoint(_ manifest: CheckpointManifest, commit: String) throws -> Checkpoint {
        var checkpoint = Checkpoint(metadata: manifest.metadata)
        for t in manifest.tensors {
            let bytes = try git.withObject(try t.blobID, "tensor '\(t.name)'") { Array($0) }
            guard bytes.count == t.bytes else {
                throw MgitError(.corrupt, "tensor '\(t.name)' of \(commit.prefix(12)) has \(bytes.count) bytes in the store but the manifest says \(t.bytes)")
            }
            checkpoint[t.name] = Tensor(dtype: t.dtype, shape: t.shape, bytes: bytes)
        }
        return checkpoint
    }
}
