import Foundation
internal import CLibGit2

extension GitRepository {
    /// All direct references whose names match a glob, with the object each names as stored: an annotated
    /// tag's tag object, not the commit it peels to (``references(matching:)`` peels). Symbolic refs are left out.
    package func rawReferences(matching glob: String) throws -> [(name: String, target: ObjectID)] {
        var iterator: OpaquePointer?
        try check(git_reference_iterator_glob_new(&iterator, handle, glob), "listing references")
        defer { git_reference_iterator_free(iterator) }
        var out: [(String, ObjectID)] = []
        var ref: OpaquePointer?
        while git_reference_next(&ref, iterator) == 0 {
            defer { git_reference_free(ref) }
            guard git_reference_type(ref) == GIT_REFERENCE_DIRECT, let oid = git_reference_target(ref) else { continue }
            out.append((String(cString: git_reference_name(ref)), ObjectID(oid.pointee)))
        }
        return out.sorted { $0.0 < $1.0 }
    }

    /// The object a direct reference names as stored (no peeling), or nil when it does not exist.
    package func rawReferenceTarget(_ name: String) throws -> ObjectID? {
        var ref: OpaquePointer?
        let rc = git_reference_lookup(&ref, handle, name)
        if rc == GIT_ENOTFOUND.rawValue { return nil }
        try check(rc, "reading reference '\(name)'")
        defer { git_reference_free(ref) }
        var resolved: OpaquePointer?
        try check(git_reference_resolve(&resolved, ref), "resolving reference '\(name)'")
        defer { git_reference_free(resolved) }
        return git_reference_target(resolved).map { ObjectID($0.pointee) }
    }
}
