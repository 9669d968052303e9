import Foundation
import MgitInterop
import MgitStore

extension LineageStore {
    /// One commit as the lineage database should hold it, never failing: a commit that breaks the commit
    /// schema (``CommitTreeSchema``) or whose manifest or operation record is invalid is reported once with a
    /// warning and indexed as operation `invalid`, with the reason in its details, so that one bad commit
    /// (fetched, or made with plain git) cannot make every later command fail. Plain git commits are indexed
    /// as operation `git`. `mgit show` and every command that reads the checkpoint still refuse it.
    static func indexableCommit(_ id: ObjectID, in git: GitRepository) -> IndexedCommit {
        do {
            try CommitTreeSchema.check(commit: id, in: git)
            return try readIndexedCommit(id, in: git)
        } catch {
            let reason = (error as? MgitError)?.message ?? "\(error)"
            MgitWarning.emit("skipping commit \(id.hex.prefix(12)) in the lineage index: \(reason)")
            let object = try? git.commit(id)
            let details = (try? JSONEncoder().encode(["error": reason])).map { String(decoding: $0, as: UTF8.self) }
            let record = CommitRecord(
                id: id.hex, tree: object?.tree.hex ?? "", branch: nil, operation: "invalid",
                message: (object?.message ?? "").split(separator: "\n").first.map(String.init) ?? "",
                author: object.map { "\($0.authorName) <\($0.authorEmail)>" } ?? "",
                time: Double(object?.time ?? 0), parameterCount: nil, sourceFile: nil, details: details)
            return IndexedCommit(record: record, parents: object?.parents.map(\.hex) ?? [], sources: [],
                                 manifest: nil, metrics: [])
        }
    }

    /// The metrics notes tip, when it is a commit; a notes ref that names anything else (a blob or a tree from a
    /// hostile remote or a plain-git mistake) is reported and ignored rather than failing every command.
    static func metricsNotesTip(in git: GitRepository) throws -> ObjectID? {
        let ref = CheckpointStore.metricsNotesRef
        guard let tip = try git.referenceTarget(ref) else { return nil }
        guard git.objectKind(tip) == .commit else {
            MgitWarning.emit("'\(ref)' points to \(tip.hex.prefix(12)), which is not a commit; its metrics "
                             + "are ignored. Fix it with 'git update-ref -d \(ref)'")
            return nil
        }
        return tip
    }
}
