internal import CLibGit2

/// Conversions between ``ObjectID`` and libgit2's `git_oid` (the same 20 bytes).
extension ObjectID {
    init(_ oid: git_oid) {
        var source = oid
        var id = ObjectID.zero
        withUnsafeMutableBytes(of: &id.bytes) { target in
            withUnsafeBytes(of: &source.id) { target.copyMemory(from: $0) }
        }
        self = id
    }

    /// The C value, for passing to libgit2.
    var git: git_oid {
        var oid = git_oid()
        var source = bytes
        withUnsafeMutableBytes(of: &oid.id) { target in
            withUnsafeBytes(of: &source) { target.copyMemory(from: $0) }
        }
        return oid
    }

    /// Calls `body` with a pointer to the C value.
    func withGit<R>(_ body: (UnsafePointer<git_oid>) throws -> R) rethrows -> R {
        var oid = git
        return try body(&oid)
    }
}
