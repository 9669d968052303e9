import Foundation

/// A file written under a temporary name beside its destination and renamed over it only when complete and
/// synced, so a reader sees the old file or the whole new one, never half of it.
///
/// Not `Sendable`: one writer owns it. Dropping it before ``commit()`` removes the temporary file.
package final class ReplacementFile {
    /// Where the file lands on ``commit()``.
    package let path: String
    private let temporaryPath: String
    private var fd: Int32
    private var committed = false

    /// Creates the temporary file beside `path` (same folder, so the final rename stays on one file system).
    package init(replacing path: String) throws {
        self.path = path
        let slash = path.utf8.lastIndex(of: UInt8(ascii: "/"))
        let folder = slash.map { String(path[...$0]) } ?? ""
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        temporaryPath = "\(folder).\(base).\(suffix).tmp"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 {
            let code = errno
            throw MgitError(.io, "cannot create a temporary file beside '\(path)': \(MappedFile.describe(code))",
                            underlying: MappedFile.describe(code))
        }
    }

    deinit {
        if fd >= 0 { _ = close(fd) }
        if !committed { unlink(temporaryPath) }
    }

    /// Appends every byte of `bytes`, retrying short and interrupted writes.
    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let count = SystemCall.retryingOnInterrupt { Foundation.write(fd, bytes.baseAddress! + done, bytes.count - done) }
            if count < 0 { throw ioError("cannot write") }
            done += count
        }
    }

    /// Syncs the data, renames the file into place, and makes the rename durable (a failure of that last step
    /// leaves a complete file, so it is not reported).
    package func commit() throws {
        if SystemCall.retryingOnInterrupt({ fsync(fd) }) != 0 { throw ioError("cannot sync") }
        let closed = close(fd)
        fd = -1
        if closed != 0 { throw ioError("cannot close") }
        if rename(temporaryPath, path) != 0 { throw ioError("cannot rename the temporary file into place as") }
        committed = true
        let folder = path.utf8.lastIndex(of: UInt8(ascii: "/")).map { String(path[...$0]) } ?? "."
        try? SystemCall.syncDirectory(folder)
    }

    private func ioError(_ what: String) -> MgitError {
        let detail = MappedFile.describe(errno)
        return MgitError(.io, "\(what) '\(path)': \(detail)", underlying: detail)
    }
}
