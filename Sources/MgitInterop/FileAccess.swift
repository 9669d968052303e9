import Foundation

/// Permission questions asked of the file system (access(2)), for early, clear refusals.
package enum FileAccess {
    /// Whether this process may write `path` (a folder: create files in it).
    package static func isWritable(_ path: String) -> Bool { access(path, W_OK) == 0 }
    /// Whether this process may run the file at `path`.
    package static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }

    /// What is at `path`, following symbolic links (stat(2)): a folder, a regular file with its size, or
    /// something else; or the error text when nothing can be read there.
    package static func kind(_ path: String) -> Result<(isFolder: Bool, isFile: Bool, size: Int), MgitError> {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return .failure(MgitError(.io, "cannot read '\(path)': \(String(cString: strerror(errno)))"))
        }
        let type = info.st_mode & S_IFMT
        return .success((type == S_IFDIR, type == S_IFREG, Int(info.st_size)))
    }
}
