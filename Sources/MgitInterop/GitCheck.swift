internal import CLibGit2

/// libgit2 is initialised once per process, before the first repository is opened.
///
/// A global `let` is initialised lazily and exactly once, even across threads (Swift's `swift_once`).
package let libgit2Initialized: Bool = {
    git_libgit2_init()
    // Every object mgit writes is checked by libgit2 for well-formedness (trees, commits).
    mgit_opts_enable_strict_object_creation(1)
    // Pack windows of 32 MiB, at most 128 MiB mapped: reading a tensor never maps a whole pack.
    mgit_opts_set_mwindow_limits(32 << 20, 128 << 20)
    return true
}()

/// Checks a libgit2 return code on the calling thread and throws an ``MgitError`` with libgit2's message.
///
/// `what` says what mgit was doing, in words a user can act on ("reading branch 'teamA'").
@discardableResult
package func check(_ rc: Int32, _ what: @autoclosure () -> String, code: MgitError.Code = .storage) throws -> Int32 {
    guard rc < 0 else { return rc }
    throw GitFailure.error(rc, what(), code: code)
}

/// Turns libgit2's last error into an ``MgitError``.
package enum GitFailure {
    package static func lastMessage() -> String {
        guard let last = git_error_last(), let message = last.pointee.message else { return "no detail" }
        return String(cString: message)
    }

    package static func error(_ rc: Int32, _ what: String, code: MgitError.Code) -> MgitError {
        let detail = lastMessage()
        if detail.localizedStandardContains("permission denied") || detail.contains("read-only") {
            return MgitError(.io, "\(what): the repository is not writable", underlying: detail)
        }
        if rc == GIT_ELOCKED.rawValue || detail.contains("lock") {
            return MgitError(.busy, "\(what): the repository is busy (another mgit or git process holds a lock); try again",
                             underlying: detail)
        }
        if rc == GIT_EMODIFIED.rawValue {
            return MgitError(.busy, "\(what): it was changed by another process meanwhile; try again", underlying: detail)
        }
        return MgitError(code, what, underlying: detail)
    }
}

private extension String {
    func localizedStandardContains(_ other: String) -> Bool { lowercased().contains(other.lowercased()) }
}
