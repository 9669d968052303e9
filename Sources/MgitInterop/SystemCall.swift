import Foundation

/// The system calls' shared conventions: one retry rule for `EINTR`, one error shape for a failed call.
package enum SystemCall {
    /// Runs `call` again while it fails with `EINTR` (a signal arrived before it did anything), and returns its
    /// result: every read, write, wait and lock in mgit goes through this, so none is cut short by a signal.
    @discardableResult
    package static func retryingOnInterrupt<T: SignedInteger>(_ call: () -> T) -> T {
        while true {
            let result = call()
            if result == -1 && errno == EINTR { continue }
            return result
        }
    }

    /// An `MgitError(.io)` for a failed call: what was being done, the system's words for `errno`, what to check.
    package static func ioError(_ what: String, errno code: Int32 = errno) -> MgitError {
        MgitError(.io, "\(what): \(String(cString: strerror(code))); check the disk and the directory's permissions",
                  underlying: "errno \(code)")
    }

    /// Renames atomically within one file system (rename(2)).
    package static func rename(_ from: String, to: String) throws {
        guard Foundation.rename(from, to) == 0 else { throw ioError("cannot rename '\(from)' to '\(to)'") }
    }

    /// Whether `path` is a folder (stat(2), following symbolic links).
    package static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// Makes the folder `path`; one that exists already is fine.
    package static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws {
        if mkdir(path, mode) != 0 && errno != EEXIST { throw ioError("cannot create folder '\(path)'") }
    }

    /// Removes the file at `path`, best effort (a cleanup path: nothing to report when it is gone already).
    package static func removeFile(_ path: String) { unlink(path) }

    /// Flushes the file `fd` (written as `path`) to disk.
    package static func sync(_ fd: Int32, path: String) throws {
        if retryingOnInterrupt({ fsync(fd) }) != 0 { throw ioError("cannot sync '\(path)'") }
    }

    /// Closes `fd`, reporting nothing: for descriptors whose data was synced or does not matter.
    package static func close(_ fd: Int32) { _ = Foundation.close(fd) }

    /// Makes the file `fd` read-only for everyone, as git keeps its object files.
    package static func makeReadOnly(_ fd: Int32) { fchmod(fd, 0o444) }

    /// Makes the renames and creations in folder `path` durable: a folder's entries are data of the folder.
    package static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ioError("cannot open '\(path)'") }
        defer { _ = Foundation.close(fd) }
        if retryingOnInterrupt({ fsync(fd) }) != 0 { throw ioError("cannot sync '\(path)'") }
    }

    /// Sleeps for `seconds` (a back-off between retries).
    package static func pause(_ seconds: Double) { Thread.sleep(forTimeInterval: seconds) }
}
