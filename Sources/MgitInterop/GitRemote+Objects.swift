import Foundation
internal import CLibGit2

/// The four kinds of git object.
package enum GitObjectKind: Sendable {
    case commit, tree, blob, tag

    fileprivate init?(_ type: git_object_t) {
        switch type {
        case GIT_OBJECT_COMMIT: self = .commit
        case GIT_OBJECT_TREE: self = .tree
        case GIT_OBJECT_BLOB: self = .blob
        case GIT_OBJECT_TAG: self = .tag
        default: return nil
        }
    }

    fileprivate var git: git_object_t {
        switch self {
        case .commit: GIT_OBJECT_COMMIT
        case .tree: GIT_OBJECT_TREE
        case .blob: GIT_OBJECT_BLOB
        case .tag: GIT_OBJECT_TAG
        }
    }
}

/// What copying objects between two repositories needs beyond ``GitRepository``'s own calls.
extension GitRepository {
    /// The kind of an object, or nil when the store lacks it.
    package func objectKind(_ id: ObjectID) -> GitObjectKind? {
        var size = 0
        var type = GIT_OBJECT_INVALID
        guard id.withGit({ git_odb_read_header(&size, &type, odb, $0) }) == 0 else { return nil }
        return GitObjectKind(type)
    }

    /// Reads a small object (tree, commit, tag) whole.
    package func rawObject(_ id: ObjectID) throws -> (kind: GitObjectKind, bytes: [UInt8]) {
        var object: OpaquePointer?
        try check(id.withGit { git_odb_read(&object, odb, $0) }, "reading object \(id)", code: .corrupt)
        defer { git_odb_object_free(object) }
        guard let kind = GitObjectKind(git_odb_object_type(object)) else {
            throw MgitError(.corrupt, "object \(id) has an unknown type")
        }
        let bytes = Array(UnsafeRawBufferPointer(start: git_odb_object_data(object), count: git_odb_object_size(object)))
        return (kind, bytes)
    }

    /// Writes an object as a loose object and returns its id (checked by the caller against the expected one).
    package func writeRawObject(_ kind: GitObjectKind, _ bytes: [UInt8]) throws -> ObjectID {
        var oid = git_oid()
        try bytes.withUnsafeBytes { raw in
            _ = try check(git_odb_write(&oid, odb, raw.baseAddress, raw.count, kind.git), "writing an object")
        }
        return ObjectID(oid)
    }

    /// Whether `commit` has `ancestor` in its history (a commit is not its own descendant).
    package func isDescendant(_ commit: ObjectID, of ancestor: ObjectID) throws -> Bool {
        let rc = commit.withGit { c in ancestor.withGit { a in git_graph_descendant_of(handle, c, a) } }
        try check(rc, "comparing the histories of \(commit) and \(ancestor)")
        return rc == 1
    }

    /// Commits reachable from `tip` but not from `base`, newest first (`git rev-list base..tip`).
    package func commitsBetween(_ base: ObjectID, _ tip: ObjectID) throws -> [ObjectID] {
        var walk: OpaquePointer?
        try check(git_revwalk_new(&walk, handle), "walking history")
        defer { git_revwalk_free(walk) }
        git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue)
        try check(tip.withGit { git_revwalk_push(walk, $0) }, "walking history from \(tip)")
        try check(base.withGit { git_revwalk_hide(walk, $0) }, "walking history from \(base)")
        var out: [ObjectID] = []
        var oid = git_oid()
        while git_revwalk_next(&oid, walk) == 0 { out.append(ObjectID(oid)) }
        return out
    }

    /// Every note in the notes history whose head is `notesCommit`: annotated commit → note blob.
    package func notes(in notesCommit: ObjectID) throws -> [ObjectID: ObjectID] {
        var commit: OpaquePointer?
        try check(notesCommit.withGit { git_commit_lookup(&commit, handle, $0) }, "reading notes commit \(notesCommit)")
        defer { git_commit_free(commit) }
        var iterator: OpaquePointer?
        let rc = git_note_commit_iterator_new(&iterator, commit)
        if rc == GIT_ENOTFOUND.rawValue { return [:] }
        try check(rc, "listing the notes of \(notesCommit)")
        defer { git_note_iterator_free(iterator) }
        var out: [ObjectID: ObjectID] = [:]
        var noteID = git_oid(), annotated = git_oid()
        while git_note_next(&noteID, &annotated, iterator) == 0 {
            out[ObjectID(annotated)] = ObjectID(noteID)
        }
        return out
    }

    /// Whether this is a bare repository (no working folder), as a push target usually is.
    package var isBare: Bool { git_repository_is_bare(handle) == 1 }

    /// The object database, borrowed: libgit2 keeps one per repository and this reference is released at once.
    private var odb: OpaquePointer {
        var odb: OpaquePointer?
        git_repository_odb(&odb, handle)
        // The repository holds its own reference for its lifetime, so the borrowed pointer stays valid.
        git_odb_free(odb)
        return odb!
    }
}

/// Runs `body` with libgit2's re-hashing of every object it reads switched off.
///
/// For copies whose writer hashes every byte again anyway (``ObjectTransfer`` compares ``PackWriter``'s id
/// with the expected one), so nothing goes unchecked; it halves the SHA-1 work of a push. The option is
/// process-wide: mgit runs one command per process, on one thread.
package func withoutReadVerification<R>(_ body: () throws -> R) rethrows -> R {
    _ = libgit2Initialized
    mgit_opts_enable_strict_hash_verification(0)
    defer { mgit_opts_enable_strict_hash_verification(1) }
    return try body()
}
