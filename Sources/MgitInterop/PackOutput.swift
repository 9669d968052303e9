import Dispatch
import Glibc

/// The temporary file a pack is written to, written through two aligned buffers with `O_DIRECT`
/// where the filesystem allows it, one buffer going to disk on a background thread while the
/// other fills.
///
/// Why not plain `write` from the caller's memory: on this project's virtual machines the kernel's
/// copy into freshly allocated page cache costs about 2 s of CPU per GiB (first touch of guest
/// memory), more than all the hashing; `O_DIRECT` from a reused buffer costs one fast copy in user
/// space and lets the device read the buffer itself (docs/PERFORMANCE.md, "Object writes"). Where
/// `O_DIRECT` is refused (tmpfs on older kernels), the same buffers go through ordinary writes.
///
/// Positions are logical: ``position`` is where the next byte goes, whether or not the bytes
/// before it have reached the file yet.
package final class PackOutput {
    /// The temporary file's path, until ``commit(as:)`` renames it.
    private(set) var path: String?
    /// Whether the bulk writes bypass the page cache.
    package let isDirect: Bool

    /// `O_DIRECT` transfers need 4096-aligned memory, offsets and lengths on every device here.
    package static let alignment = 4096

    private let bufferSize: Int
    private let buffers: [UnsafeMutableRawBufferPointer]
    private var current = 0
    /// File offset of `buffers[current]`'s first byte; always a multiple of `alignment`.
    private var bufferOffset: UInt64 = 0
    private var fill = 0
    /// For `O_DIRECT` transfers (or a second ordinary descriptor when refused).
    private var directFD: Int32
    /// For small unaligned reads and writes: read-back, the header, the trailer, truncation, sync.
    private var bufferedFD: Int32
    private let writes = BackgroundWrites()
    private var flushed = false

    /// Creates `<directory>/tmp_pack_<random>`.
    ///
    /// - Parameters:
    ///   - bufferSize: Bytes per buffer, a multiple of ``alignment``; two are allocated.
    ///   - direct: Whether to try `O_DIRECT` at all (tests turn it off to cover the fallback).
    package init(directory: String, bufferSize: Int = 8 << 20, direct: Bool = true) throws {
        precondition(bufferSize > 0 && bufferSize % Self.alignment == 0, "buffer size must be a multiple of 4096")
        self.bufferSize = bufferSize
        let (fd, path) = try Self.makeTemporary(in: directory, prefix: "tmp_pack_")
        bufferedFD = fd
        self.path = path
        buffers = (0..<2).map { _ in
            UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: Self.alignment)
        }
        var directFD = direct && Self.directFlag != 0 ? open(path, O_RDWR | O_CLOEXEC | Self.directFlag) : -1
        if directFD >= 0 {
            // Some filesystems accept the flag but refuse the transfers (or want coarser alignment):
            // probe with one block, which the first real write overwrites.
            let probe = UnsafeMutableRawBufferPointer(rebasing: buffers[0][..<Self.alignment])
            probe.initializeMemory(as: UInt8.self, repeating: 0)
            if pwrite(directFD, probe.baseAddress, probe.count, 0) != probe.count {
                close(directFD)
                directFD = -1
            }
        }
        isDirect = directFD >= 0
        self.directFD = directFD >= 0 ? directFD : dup(fd)
        guard self.directFD >= 0 else { throw SystemCall.ioError("cannot open '\(path)' a second time") }
    }

    deinit {
        try? writes.drain()
        if directFD >= 0 { close(directFD) }
        if bufferedFD >= 0 { close(bufferedFD) }
        if let path { unlink(path) }
        for buffer in buffers { buffer.deallocate() }
    }

    /// Where the next appended byte goes.
    package var position: UInt64 { bufferOffset + UInt64(fill) }

    /// Appends `bytes` after ``position``.
    package func append(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!flushed, "PackOutput.append after flush()")
        var done = 0
        while done < bytes.count {
            let count = min(bufferSize - fill, bytes.count - done)
            (buffers[current].baseAddress! + fill).copyMemory(from: bytes.baseAddress! + done, byteCount: count)
            fill += count
            done += count
            if fill == bufferSize { try submitCurrent() }
        }
    }

    /// Appends `bytes` after ``position``.
    package func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try append($0) }
    }

    /// Moves ``position`` back to `newPosition`: what was appended after it is dropped (and
    /// overwritten by what follows, or cut off by ``flush()``).
    package func rewind(to newPosition: UInt64) throws {
        precondition(newPosition <= position && !flushed, "PackOutput can only rewind before flush()")
        try writes.drain()
        if newPosition >= bufferOffset {
            fill = Int(newPosition - bufferOffset)
            return
        }
        // The new end lies in a block already on disk: fetch that block back into the buffer, so
        // that the next write (from its aligned start) keeps the bytes before the new end.
        let aligned = newPosition / UInt64(Self.alignment) * UInt64(Self.alignment)
        let block = UnsafeMutableRawBufferPointer(rebasing: buffers[current][..<Self.alignment])
        try Self.readAll(fd: directFD, into: block, at: aligned, path: path!)
        bufferOffset = aligned
        fill = Int(newPosition - aligned)
    }

    /// Copies the bytes at `offset..<offset + count` (all before ``position``) into `destination`.
    package func read(into destination: UnsafeMutableRawBufferPointer, at offset: UInt64) throws {
        precondition(offset + UInt64(destination.count) <= position, "PackOutput.read past the end")
        try writes.drain()
        var done = 0
        while done < destination.count {
            let at = offset + UInt64(done)
            if at >= bufferOffset && !flushed {
                let count = destination.count - done
                (destination.baseAddress! + done).copyMemory(
                    from: buffers[current].baseAddress! + Int(at - bufferOffset), byteCount: count)
                return
            }
            let count = flushed ? destination.count - done : min(destination.count - done, Int(bufferOffset - at))
            try Self.readAll(fd: bufferedFD, into: UnsafeMutableRawBufferPointer(rebasing: destination[done..<done + count]),
                             at: at, path: path!)
            done += count
        }
    }

    /// Writes everything appended to the file and cuts the file at ``position``. Only
    /// ``overwrite(_:at:)``, ``read(into:at:)`` and ``sha1(upTo:)`` may follow.
    package func flush() throws {
        precondition(!flushed, "PackOutput.flush() twice")
        try writes.drain()
        let end = position
        if fill > 0 {
            let padded = (fill + Self.alignment - 1) / Self.alignment * Self.alignment
            (buffers[current].baseAddress! + fill).initializeMemory(as: UInt8.self, repeating: 0, count: padded - fill)
            try Self.writeAll(fd: directFD, UnsafeRawBufferPointer(rebasing: buffers[current][..<padded]),
                              at: bufferOffset, path: path!)
        }
        flushed = true
        bufferOffset = end
        fill = 0
        if ftruncate(bufferedFD, off_t(end)) != 0 { throw SystemCall.ioError("cannot truncate '\(path!)'") }
    }

    /// Writes `bytes` at `offset`, through the page cache; after ``flush()``.
    package func overwrite(_ bytes: [UInt8], at offset: UInt64) throws {
        precondition(flushed, "PackOutput.overwrite before flush()")
        try bytes.withUnsafeBytes { try Self.writeAll(fd: bufferedFD, $0, at: offset, path: path!) }
        bufferOffset = max(bufferOffset, offset + UInt64(bytes.count))
    }

    /// SHA-1 of the file's first `end` bytes, read back from the file; after ``flush()``.
    package func sha1(upTo end: UInt64) throws -> ObjectID {
        precondition(flushed, "PackOutput.sha1 before flush()")
        var digest = SHA1()
        var at: UInt64 = 0
        let buffer = buffers[0]
        while at < end {
            let want = Int(min(UInt64(bufferSize), end - at))
            // Direct reads take aligned lengths; the file simply ends before a rounded-up tail.
            let padded = (want + Self.alignment - 1) / Self.alignment * Self.alignment
            var got = 0
            while got < want {
                let n = SystemCall.retryingOnInterrupt { pread(directFD, buffer.baseAddress! + got, padded - got, off_t(at) + off_t(got)) }
                guard n > 0 else {
                    throw SystemCall.ioError("cannot read back '\(path!)'", errno: n == 0 ? EIO : errno)
                }
                got += n
            }
            digest.update(UnsafeRawBufferPointer(rebasing: buffer[..<want]))
            at += UInt64(want)
        }
        return digest.finish()
    }

    /// Makes the file's data and size durable.
    package func sync() throws {
        if fsync(bufferedFD) != 0 { throw SystemCall.ioError("cannot sync '\(path!)'") }
    }

    /// Closes the file read-only (mode 0444, as git leaves packs) and renames it to `finalPath`.
    package func commit(as finalPath: String) throws {
        fchmod(bufferedFD, 0o444)
        close(directFD)
        close(bufferedFD)
        directFD = -1
        bufferedFD = -1
        try SystemCall.rename(path!, to: finalPath)
        path = nil
    }

    /// Deletes the temporary file now rather than when released.
    package func discard() {
        try? writes.drain()
        close(directFD)
        close(bufferedFD)
        directFD = -1
        bufferedFD = -1
        if let path { unlink(path) }
        path = nil
    }

    // MARK: Background writes

    /// Hands the full current buffer to the background thread and switches to the other one,
    /// after waiting for the other one's previous write.
    private func submitCurrent() throws {
        try writes.drain()
        writes.submit(fd: directFD, UnsafeRawBufferPointer(rebasing: buffers[current][..<fill]),
                      at: bufferOffset, path: path!)
        bufferOffset += UInt64(fill)
        fill = 0
        current ^= 1
    }

    /// `O_DIRECT`, which Glibc's Swift module hides (it needs `_GNU_SOURCE`); its value differs
    /// between architectures, so elsewhere the buffers simply go through ordinary writes.
    private static var directFlag: Int32 {
        #if os(Linux) && arch(x86_64)
        return 0o40000
        #elseif os(Linux) && arch(arm64)
        return 0o200000
        #else
        return 0
        #endif
    }

    // MARK: System calls

    /// Creates `<directory>/<prefix><random>` exclusively, the way `mkstemp` does, but close-on-exec
    /// so that hooks and other children never inherit it.
    package static func makeTemporary(in directory: String, prefix: String) throws -> (Int32, String) {
        while true {
            let suffix = String(UInt64.random(in: 0..<(1 << 48)), radix: 36)
            let path = "\(directory)/\(prefix)\(suffix)"
            let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 { return (fd, path) }
            if errno != EEXIST { throw SystemCall.ioError("cannot create a temporary file in '\(directory)'") }
        }
    }

    package static func writeAll(fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: UInt64, path: String) throws {
        let code = writeAll(fd: fd, bytes, at: offset)
        if code != 0 { throw SystemCall.ioError("cannot write '\(path)'", errno: code) }
    }

    /// Writes every byte; returns 0 or the errno of the failure.
    fileprivate static func writeAll(fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) -> Int32 {
        var done = 0
        while done < bytes.count {
            let n = SystemCall.retryingOnInterrupt { pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done)) }
            if n < 0 { return errno }
            done += n
        }
        return 0
    }

    package static func readAll(fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, path: String) throws {
        var done = 0
        while done < buffer.count {
            let n = SystemCall.retryingOnInterrupt { pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done)) }
            guard n > 0 else { throw SystemCall.ioError("cannot read back '\(path)'", errno: n == 0 ? EIO : errno) }
            done += n
        }
    }
}

/// One write at a time on a background thread, so that the device works while the caller's
/// threads checksum and copy the next buffer.
///
/// `@unchecked Sendable` is safe because `failure` is written only by the serial queue's work
/// items and read only after `group.wait()` has returned, which orders those writes before the
/// read; and the caller keeps each submitted buffer untouched until ``drain()`` returns.
private final class BackgroundWrites: @unchecked Sendable {
    private let queue = DispatchQueue(label: "mgit.pack-output.writes")
    private let group = DispatchGroup()
    private var failure: (path: String, errno: Int32)?

    /// Starts writing `bytes` at `offset`; the caller must not touch them until ``drain()``.
    package func submit(fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: UInt64, path: String) {
        let job = Job(fd: fd, base: bytes.baseAddress!, count: bytes.count, offset: offset, path: path)
        group.enter()
        queue.async {
            let code = PackOutput.writeAll(fd: job.fd, UnsafeRawBufferPointer(start: job.base, count: job.count), at: job.offset)
            if code != 0 && self.failure == nil { self.failure = (job.path, code) }
            self.group.leave()
        }
    }

    /// Waits for every submitted write; throws the first failure (once).
    package func drain() throws {
        group.wait()
        if let failure {
            self.failure = nil
            throw SystemCall.ioError("cannot write '\(failure.path)'", errno: failure.errno)
        }
    }

    /// One submitted write. `@unchecked Sendable`: it carries a pointer the submitter promises
    /// not to touch until the write is drained (see ``BackgroundWrites``).
    private struct Job: @unchecked Sendable {
        package let fd: Int32
        package let base: UnsafeRawPointer
        package let count: Int
        package let offset: UInt64
        package let path: String
    }
}
