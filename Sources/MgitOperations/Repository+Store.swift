import Foundation
import MgitInterop
import MgitTensor
import MgitStore

/// The storage verbs, reached through the repository for convenience: each is one call of ``CheckpointStore``.
extension Repository {
    /// The full id of the commit `revision` names (`main`, `teamA~1`, `v1`, an id prefix).
    public func resolve(_ revision: String) throws -> String { try store.resolve(revision) }
    /// The branch HEAD names (even with no commit yet).
    public func currentBranch() throws -> String { try store.currentBranch() }
    /// The commit's checkpoint manifest, with the full commit id.
    public func manifest(at revision: String) throws -> (commit: String, manifest: CheckpointManifest) {
        try store.manifest(at: revision)
    }
    /// A file at the root of the commit's tree (`arch.json`), or nil.
    public func rootFile(_ name: String, at revision: String) throws -> [UInt8]? { try store.rootFile(name, at: revision) }
    /// Writes the checkpoint at `revision` as one safetensors file at `path`.
    public func export(_ revision: String, to path: String, tensors pattern: String? = nil) throws -> ExportResult {
        try store.export(revision, to: path, tensors: pattern)
    }
    /// Writes the model at `revision` as a model folder at `path`, shards as committed or re-sharded.
    public func exportFolder(_ revision: String, to path: String, maxShardSize: Int? = nil) throws -> ExportResult {
        try store.exportFolder(revision, to: path, maxShardSize: maxShardSize)
    }
    /// A file of the model folder committed at `revision` (`tokenizer.json`), or nil.
    public func modelFile(_ path: String, at revision: String) throws -> [UInt8]? { try store.modelFile(path, at: revision) }
    /// The Hugging Face `config.json` that describes the model at `revision`: one beside the manifest (a file
    /// commit), else the committed model folder's; nil when there is none.
    public func transformerConfig(at revision: String) throws -> [UInt8]? {
        try rootFile("config.json", at: revision) ?? modelConfig(at: revision)
    }
    /// The `config.json` of the model folder committed at `revision`, or nil: what architecture detection reads.
    public func modelConfig(at revision: String) throws -> [UInt8]? { try store.modelConfig(at: revision) }
    /// Reads the whole checkpoint at `revision` into memory.
    public func loadCheckpoint(_ revision: String) throws -> Checkpoint { try store.loadCheckpoint(revision) }
    /// Per-tensor differences between two revisions.
    public func diff(_ revisionA: String, _ revisionB: String) throws -> CheckpointDiff { try store.diff(revisionA, revisionB) }
    /// Every branch, with its head.
    public func branches() throws -> [BranchInfo] { try store.branches() }
    /// Makes branch `name` at `start` (default: HEAD).
    public func createBranch(_ name: String, at start: String? = nil) throws -> BranchInfo {
        try store.createBranch(name, at: start)
    }
    /// Deletes branch `name` (not the current one).
    public func deleteBranch(_ name: String) throws -> BranchInfo { try store.deleteBranch(name) }
    /// Points HEAD at branch `name`.
    public func switchBranch(_ name: String) throws -> BranchInfo { try store.switchBranch(name) }
    /// Makes tag `name` at `revision` (default: HEAD).
    public func createTag(_ name: String, at revision: String? = nil) throws -> TagInfo {
        try store.createTag(name, at: revision)
    }
    /// Every tag, with its commit.
    public func tags() throws -> [TagInfo] { try store.tags() }
    /// Writes a commit no branch points to.
    package func writeDetachedCommit(_ source: any TensorSource, _ request: CommitRequest) throws -> ObjectID {
        store.chunking = try tensorChunking()
        return try store.writeDetachedCommit(source, request)
    }
}
