#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole regular file mapped read-only into memory; `deinit` unmaps it.
///
/// `@unchecked Sendable` is safe: the mapping is `PROT_READ` and `MAP_PRIVATE`, so no thread can write through
/// it; `bytes` never changes after `init`; and `munmap` runs only in `deinit`, when no reference (and hence no
/// thread) can reach the mapping any more. The one hazard left is outside the process: another program
/// truncating the file while it is mapped makes reads past the new end fault (SIGBUS), as with any mmap reader.
package final class MappedFile: @unchecked Sendable {
    /// The path as the caller gave it, for messages.
    package let path: String
    /// The file's bytes; empty (and unmapped) for an empty file.
    package let bytes: UnsafeRawBufferPointer

    /// Maps the file at `path`.
    ///
    /// - Throws: `.notFound` when nothing is at `path`; `.io` for a directory, a non-regular file, or a file
    ///   that cannot be opened or mapped.
    package init(path: String) throws {
        self.path = path
        var info = stat()
        // stat before open: opening a FIFO for reading would block until a writer appears.
        if stat(path, &info) != 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                throw MgitError(.notFound, "checkpoint '\(path)' does not exist; check the path",
                                underlying: Self.describe(code))
            }
            throw MgitError(.io, "cannot read checkpoint '\(path)': \(Self.describe(code))",
                            underlying: Self.describe(code))
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw MgitError(.io, "checkpoint '\(path)' is a directory, not a safetensors file; "
                + "give the .safetensors file or the *.safetensors.index.json of a sharded checkpoint")
        }
        if (info.st_mode & S_IFMT) != S_IFREG {
            throw MgitError(.io, "checkpoint '\(path)' is not a regular file")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            throw MgitError(.io, "cannot open checkpoint '\(path)': \(Self.describe(code))",
                            underlying: Self.describe(code))
        }
        defer { close(fd) }
        // The size that counts is the one of the file actually opened, not the one stat saw a moment before.
        guard fstat(fd, &info) == 0 else {
            let code = errno
            throw MgitError(.io, "cannot stat checkpoint '\(path)': \(Self.describe(code))")
        }
        let size = Int(info.st_size)
        if size == 0 {
            // mmap refuses a zero length; an empty file has nothing to map.
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != MAP_FAILED else {
            let code = errno
            throw MgitError(.io, "cannot map checkpoint '\(path)' (\(size) bytes) into memory: \(Self.describe(code))",
                            underlying: Self.describe(code))
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        }
    }

    package static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// Drops the pages of `range` from this process's resident memory (the file stays in the page cache).
    ///
    /// Commit reads a tensor once to hash it and once to store it; releasing its pages afterwards keeps the
    /// resident set near one tensor, not the whole file.
    package func releasePages(_ range: Range<Int>) {
        guard let base = bytes.baseAddress, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = range.lowerBound / page * page
        let end = min(bytes.count, (range.upperBound + page - 1) / page * page)
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, Int32(MADV_DONTNEED))
    }
}
