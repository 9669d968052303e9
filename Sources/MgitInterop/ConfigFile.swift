internal import CLibGit2

/// mgit's own settings, `.mgit/config`, in git-config syntax (read and written through libgit2).
///
/// Keys are `section.name` (`merge.maxBarrier`, `hooks.timeout`, `eval.command`), as in git.
package final class ConfigFile {
    private let handle: OpaquePointer
    package let path: String

    package init(path: String) throws {
        _ = libgit2Initialized
        var config: OpaquePointer?
        try check(git_config_open_ondisk(&config, path), "opening config file '\(path)'", code: .io)
        handle = config!
        self.path = path
    }

    deinit { git_config_free(handle) }

    package func string(_ key: String) -> String? {
        var snapshot: OpaquePointer?
        guard git_config_snapshot(&snapshot, handle) == 0 else { return nil }
        defer { git_config_free(snapshot) }
        var value: UnsafePointer<CChar>?
        guard git_config_get_string(&value, snapshot, key) == 0, let value else { return nil }
        return String(cString: value)
    }

    package func set(_ key: String, _ value: String) throws {
        try check(git_config_set_string(handle, key, value), "setting '\(key)' in '\(path)'", code: .invalidInput)
    }

    package func remove(_ key: String) throws {
        let rc = git_config_delete_entry(handle, key)
        if rc == GIT_ENOTFOUND.rawValue { return }
        try check(rc, "removing '\(key)' from '\(path)'")
    }

    /// Every key and value, in file order.
    package func entries() throws -> [(key: String, value: String)] {
        var snapshot: OpaquePointer?
        try check(git_config_snapshot(&snapshot, handle), "reading '\(path)'")
        defer { git_config_free(snapshot) }
        var iterator: OpaquePointer?
        try check(git_config_iterator_new(&iterator, snapshot), "reading '\(path)'")
        defer { git_config_iterator_free(iterator) }
        var out: [(String, String)] = []
        var entry: UnsafeMutablePointer<git_config_entry>?
        while git_config_next(&entry, iterator) == 0, let e = entry {
            out.append((String(cString: e.pointee.name), String(cString: e.pointee.value)))
        }
        return out
    }
}
