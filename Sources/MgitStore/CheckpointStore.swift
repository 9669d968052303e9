import Foundation
import MgitInterop

/// The checkpoints of one repository as git holds them: tensor blobs in packs, manifests, trees, commits, refs and
/// the metrics notes. Storage verbs only: nothing here knows networks, permutations, barriers, hooks or the
/// lineage database (docs/ARCHITECTURE.md).
///
/// Not `Sendable`: it owns a libgit2 handle; open one per command (or per thread).
public final class CheckpointStore {
    /// The top-level folder (holding `.git` and `.mgit`), with no trailing slash.
    public let root: String
    package let git: GitRepository

    /// The notes ref holding metrics added after a commit (one JSON note per commit).
    package static let metricsNotesRef = "refs/notes/mgit-metrics"

    /// mgit's own folder beside `.git`: config, lineage database, hooks, the writers registry.
    package var mgitDirectory: String { root + "/.mgit" }

    package init(root: String, git: GitRepository) {
        self.root = root
        self.git = git
    }

    /// Fails early, with one clear message, when the repository cannot be written.
    package func requireWritable(_ what: String) throws {
        for dir in [git.gitDirectory, git.gitDirectory + "objects", git.gitDirectory + "refs", mgitDirectory]
        where !FileAccess.isWritable(dir) {
            throw MgitError(.io, "cannot \(what): the repository at '\(root)' is read-only "
                            + "(no write permission on '\(dir)'); nothing was changed")
        }
        // The lineage database is written after the ref moves: find out now that it cannot be, not afterwards.
        let database = mgitDirectory + "/lineage.sqlite"
        if FileAccess.kind(of: database) != nil, !FileAccess.isWritable(database) {
            throw MgitError(.io, "cannot \(what): the lineage database '\(database)' is read-only; make it writable "
                            + "(or remove it and run 'mgit reindex'); nothing was changed")
        }
    }
}
