import Foundation
import MgitInterop
import MgitTensor
import MgitStore
import MgitHooks

extension Repository {
    /// Imports a safetensors checkpoint (a file, or a sharded `*.index.json`) as one commit.
    ///
    /// - Parameters:
    ///   - branch: the branch to commit on (default: HEAD's); a branch that does not exist yet is created, and
    ///     its first commit starts a new line of history (no parent).
    ///   - metrics: figures to record with the commit (stored in its `operation.json`).
    public func commit(checkpointAt path: String, message: String, branch: String? = nil, metrics: [Metric] = [],
                       author: Person? = nil, architecture: [UInt8]? = nil) throws -> CommitResult {
        let reader = try SafeTensorsReader(path: path)
        let fileName = URL(fileURLWithPath: path).lastPathComponent
        var request = CommitRequest(
            message: message, branch: branch,
            operation: OperationRecord(operation: "import", branch: nil, sourceFile: fileName, metrics: metrics),
            author: author, trailers: [("Import", fileName)])
        if let architecture { request.extraFiles["arch.json"] = architecture }
        return try commit(reader as any TensorSource, request)
    }

    /// Commits a checkpoint held in memory (training, rebase, merge).
    package func commit(_ checkpoint: Checkpoint, _ request: CommitRequest) throws -> CommitResult {
        try commit(checkpoint as any TensorSource, request)
    }

    /// Writes a commit through the store (the ref move is the commit point), indexes it in the lineage database
    /// and tells the post-commit hooks.
    package func commit(_ source: any TensorSource, _ request: CommitRequest) throws -> CommitResult {
        let (result, _) = try store.writeCommit(source, request)
        // The commit has landed (git is the truth): a lineage update that fails now is a warning, not a failure
        // that would make a script retry a commit that exists; the next command catches the database up.
        do { try catchUpLineage() } catch let error as MgitError {
            MgitWarning.emit("committed \(result.commit.prefix(10)), but the lineage database was not updated "
                             + "(\(error.message)); the next mgit command catches it up, or run 'mgit reindex'")
        }
        // post-commit hooks are told; they cannot undo the commit, and their failure does not fail it.
        if let context = try? hookContext() {
            _ = try? HookRunner.run("post-commit", in: context, payload: result,
                                    environment: ["MGIT_COMMIT": result.commit, "MGIT_BRANCH": result.branch])
        }
        return result
    }
}
