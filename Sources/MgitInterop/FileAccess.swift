import Foundation

/// Permission questions asked of the file system (access(2)), for early, clear refusals.
package enum FileAccess {
    /// Whether this process may write `path` (a folder: create files in it).
    package static func isWritable(_ path: String) -> Bool { access(path, W_OK) == 0 }
    /// Whether this process may run the file at `path`.
    package static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }
}
