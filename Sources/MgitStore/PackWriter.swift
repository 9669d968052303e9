import Foundation
import MgitInterop

/// Writes blobs into a new git pack (version 2) with its index (version 2), fast enough for tensors.
///
/// Each blob is stored as a zlib stream of *stored* deflate blocks, built by hand: random float
/// bytes barely compress, so deflating them costs CPU for nothing. The pack and its index are
/// written under temporary names in `<objects>/pack/`, synced, and renamed into place by
/// ``finish()`` — the pack first, the index last, so a reader never finds an index without its
/// pack. The format and the crash-safety argument are in docs/STORAGE-PACKS.md.
///
/// Blobs the repository already has stay out: the caller either checks ids first
/// (``ObjectID/blobID(of:)``) and adds only the missing blobs, or lets ``addBlob(_:unlessStored:)``
/// ask it once each id is known. A blob added twice to one writer is written once. A reader that
/// already has the object database open (libgit2's `git_odb`) must refresh it to see the new pack.
/// Not thread-safe: one writer belongs to one commit on one thread (it uses a second core itself).
public final class PackWriter {
    /// Where the pack, its index and the temporary files live: `<objects>/pack`.
    public let packDirectory: String

    /// Offsets at or above this go into the index's 8-byte large-offset table; git's own cutoff
    /// is 2^31. Tests lower it to exercise the table without writing gigabytes.
    package let largeOffsetThreshold: UInt64

    private struct Entry {
        package var id: ObjectID
        package var offset: UInt64
        package var crc: UInt32
        /// The blob's own size, to find its bytes again between the stored-block headers.
        package var size: Int
    }

    /// Blobs below this size are hashed first, then encoded; larger ones are hashed on one core
    /// while the other checksums and copies them into the output.
    private static let parallelThreshold = 1 << 20
    /// Stored deflate blocks carry a 16-bit length (RFC 1951 §3.2.4).
    private static let maxBlock = 65_535

    private let output: PackOutput
    private var indexTempPath: String?
    private var entries: [Entry] = []
    /// Where each id's entry is in `entries`.
    private var written: [ObjectID: Int] = [:]
    private var finished = false
    /// The object count written into the header at the start, when the caller announced one.
    private let announcedCount: Int?
    /// The trailer checksum so far, kept only while the header's count may still be right.
    private var packDigest: SHA1?

    /// Starts a pack in `<objectsDirectory>/pack`, creating that directory if needed.
    ///
    /// - Parameters:
    ///   - objectsDirectory: A git repository's `objects` directory (`.git/objects`).
    ///   - expectedObjectCount: How many distinct blobs will be added, if the caller knows (or
    ///     expects: with ``addBlob(_:unlessStored:)``, the number of tensors, as most are new).
    ///     The pack's trailer checksum covers the object count in its header; knowing the count up
    ///     front lets the writer checksum the pack as it goes instead of reading it all again in
    ///     ``finish()``. A wrong count costs only that re-read.
    public convenience init(objectsDirectory: String, expectedObjectCount: Int? = nil) throws {
        try self.init(objectsDirectory: objectsDirectory, expectedObjectCount: expectedObjectCount,
                      largeOffsetThreshold: 1 << 31)
    }

    /// Starts a pack whose index stores offsets at or above `largeOffsetThreshold` in its
    /// large-offset table (git's `index-pack --index-version=2,<limit>` does the same).
    ///
    /// `bufferSize` is the output's buffer size (``PackOutput``); tests make it small so that
    /// objects straddle buffers, and turn `directIO` off to cover the page-cache fallback.
    package init(objectsDirectory: String, expectedObjectCount: Int? = nil, largeOffsetThreshold: UInt64,
         bufferSize: Int = 8 << 20, directIO: Bool = true) throws {
        // git rejects an index whose every offset is large (it allows at most count - 1 of them):
        // the first object, at offset 12, must stay in the 4-byte table.
        precondition(largeOffsetThreshold > 12 && largeOffsetThreshold <= 1 << 31,
                     "large-offset threshold must lie in 13...2^31")
        self.largeOffsetThreshold = largeOffsetThreshold
        announcedCount = expectedObjectCount.flatMap { (1...Int(UInt32.max)).contains($0) ? $0 : nil }
        packDigest = announcedCount == nil ? nil : SHA1()
        packDirectory = objectsDirectory + "/pack"
        guard SystemCall.isDirectory(objectsDirectory) else {
            throw MgitError(.notFound, "git objects directory '\(objectsDirectory)' does not exist; "
                + "pass the repository's .git/objects directory")
        }
        try SystemCall.makeDirectory(packDirectory)
        output = try PackOutput(directory: packDirectory, bufferSize: bufferSize, direct: directIO)
        // Without an announced count, finish() rewrites these 12 bytes.
        try emit(Self.packHeader(count: announcedCount ?? 0))
    }

    deinit {
        // The output removes its own temporary file.
        if let indexTempPath { SystemCall.removeFile(indexTempPath) }
    }

    /// Whether the pack goes to disk bypassing the page cache (`O_DIRECT`).
    package var writesDirectly: Bool { output.isDirect }

    /// The number of distinct blobs added so far.
    public var objectCount: Int { entries.count }

    /// Appends one blob (unless this writer already holds it) and returns its id.
    ///
    /// - Parameter bytes: The blob's content, e.g. one tensor's raw little-endian bytes; it is
    ///   read, never kept, so the caller may reuse the memory once this returns.
    @discardableResult
    public func addBlob(_ bytes: UnsafeRawBufferPointer) throws -> ObjectID {
        try addBlob(bytes, naming: ObjectID.blobID(of:), unlessStored: { _ in false }).id
    }

    /// Appends one blob unless this writer or the repository already holds it, computing its id
    /// only once.
    ///
    /// Saves the caller a hashing pass of its own: `isStored` receives the id as soon as it is
    /// known and says whether the repository already has that blob — having compared the stored
    /// bytes with `bytes` first, since the id alone does not prove equal bytes (docs/STORAGE-PACKS.md).
    /// A large blob is written while its id is computed, so a blob found stored costs its write
    /// (later overwritten), but no extra hashing.
    ///
    /// - Parameters:
    ///   - bytes: The blob's content; read, never kept.
    ///   - isStored: Called at most once per call, on the calling thread; an error it throws
    ///     propagates and the blob is not added.
    /// - Returns: The blob's id, and whether this call added it to the pack.
    public func addBlob(_ bytes: UnsafeRawBufferPointer, unlessStored isStored: (ObjectID) throws -> Bool)
        throws -> (id: ObjectID, added: Bool) {
        try addBlob(bytes, naming: ObjectID.blobID(of:), unlessStored: isStored)
    }

    /// ``addBlob(_:unlessStored:)`` with the id function as a parameter, so that tests can force
    /// collisions.
    package func addBlob(_ bytes: UnsafeRawBufferPointer, naming name: (UnsafeRawBufferPointer) -> ObjectID,
                 unlessStored isStored: (ObjectID) throws -> Bool = { _ in false }) throws -> (id: ObjectID, added: Bool) {
        precondition(!finished, "PackWriter.addBlob after finish()")
        if bytes.count < Self.parallelThreshold {
            let id = name(bytes)
            if let earlier = written[id] {
                try checkSameBytes(bytes, as: entries[earlier])
                return (id, false)
            }
            if try isStored(id) { return (id, false) }
            let (start, digest) = (output.position, packDigest)
            do {
                try appendSmall(bytes, id: id)
            } catch {
                // Leave the pack as it was before this call, so that the writer stays usable.
                packDigest = digest
                try? output.rewind(to: start)
                throw error
            }
            return (id, true)
        }
        let start = output.position
        // Two cores: the object id's SHA-1 on one, checksums and the copy into the output on the
        // other (both only read `bytes`; only the second touches `output`). With an announced
        // count the id's core also extends the pack checksum, on a copy. Whether the blob belongs
        // in the pack is only known once the id is; if not, the copy is dropped and the output
        // rewound.
        let id: ObjectID, digest: SHA1?, crc: UInt32, adler: UInt32
        do {
            ((id, digest), (crc, adler)) = try inParallel({ [packDigest] in
                (name(bytes), packDigest.map { Self.digest($0, extendedByObject: bytes) })
            }, { try self.writeObject(bytes) })
            if let earlier = written[id] {
                try output.rewind(to: start)
                try checkSameBytes(bytes, as: entries[earlier])
                return (id, false)
            }
            if try isStored(id) {
                try output.rewind(to: start)
                return (id, false)
            }
        } catch {
            // Leave the pack as it was before this call, so that the writer stays usable.
            try? output.rewind(to: start)
            throw error
        }
        if var digest {
            digest.update(Self.bigEndian(adler))
            packDigest = digest
        }
        written[id] = entries.count
        entries.append(Entry(id: id, offset: start, crc: crc, size: bytes.count))
        return (id, true)
    }

    /// Throws unless `bytes` are exactly the blob already written as `entry`.
    ///
    /// Two different blobs with one SHA-1 take a deliberate collision attack; the plain SHA-1
    /// used here would not notice one (docs/STORAGE-PACKS.md), so a repeated id is trusted only
    /// after its bytes are compared. Repeats are rare (equal tensors), so reading back is cheap.
    private func checkSameBytes(_ bytes: UnsafeRawBufferPointer, as entry: Entry) throws {
        var same = bytes.count == entry.size
        var position = entry.offset + UInt64(Self.objectHeader(count: entry.size).count + 2)
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 5 + Self.maxBlock, alignment: 16)
        defer { block.deallocate() }
        var compared = 0
        while same && compared < bytes.count {
            let length = min(Self.maxBlock, bytes.count - compared)
            try output.read(into: UnsafeMutableRawBufferPointer(rebasing: block[..<(5 + length)]), at: position)
            same = memcmp(block.baseAddress! + 5, bytes.baseAddress! + compared, length) == 0
            compared += length
            position += UInt64(5 + length)
        }
        guard same else {
            throw MgitError(.corrupt, "two different blobs (\(entry.size) and \(bytes.count) bytes) both have "
                + "SHA-1 id \(entry.id): a SHA-1 collision, which only a crafted input produces; "
                + "refusing to store the second one — check where this checkpoint came from")
        }
    }

    /// Completes the pack and its index, syncs them and renames them to `pack-<checksum>.pack`
    /// and `.idx`.
    ///
    /// - Returns: The pack's checksum in hex (the `<checksum>` of its name), or nil when no blob
    ///   was added, in which case no file remains.
    /// - Throws: `MgitError` (`.io`) when a write, sync or rename fails. The writer is spent either
    ///   way; its temporary files go when it is released.
    public func finish() throws -> String? {
        precondition(!finished, "PackWriter.finish() called twice")
        finished = true
        guard !entries.isEmpty else {
            output.discard()
            return nil
        }
        guard entries.count <= Int(UInt32.max) else {
            throw MgitError(.invalidInput, "a pack holds at most \(UInt32.max) objects; "
                + "\(entries.count) were added: split them over several packs")
        }
        let checksum: ObjectID
        if announcedCount == entries.count, var packDigest {
            checksum = packDigest.finish()
            try withUnsafeBytes(of: checksum.bytes) { try output.append($0) }
            try output.flush()
        } else {
            // The trailer checksums the header, whose count is only now known: rewrite it and
            // read the whole pack back.
            try output.flush()
            try output.overwrite(Self.packHeader(count: entries.count), at: 0)
            let end = output.position
            checksum = try output.sha1(upTo: end)
            try output.overwrite(withUnsafeBytes(of: checksum.bytes) { Array($0) }, at: end)
        }
        try output.sync()

        let index = indexBytes(packChecksum: checksum)
        let (indexFD, indexPath) = try PackOutput.makeTemporary(in: packDirectory, prefix: "tmp_idx_")
        indexTempPath = indexPath
        defer { SystemCall.close(indexFD) }
        try index.withUnsafeBytes { try PackOutput.writeAll(fd: indexFD, $0, at: 0, path: indexPath) }
        try SystemCall.sync(indexFD, path: indexPath)
        SystemCall.makeReadOnly(indexFD)

        let name = "pack-" + checksum.hex
        try output.commit(as: "\(packDirectory)/\(name).pack")
        try SystemCall.rename(indexPath, to: "\(packDirectory)/\(name).idx")
        indexTempPath = nil
        try SystemCall.syncDirectory(packDirectory)
        return checksum.hex
    }

    // MARK: Encoding

    /// Appends one small object, encoded, and records it.
    private func appendSmall(_ bytes: UnsafeRawBufferPointer, id: ObjectID) throws {
        let start = output.position
        var crc: UInt = 0
        var adler = Checksum.adler32Initial
        func piece(_ piece: UnsafeRawBufferPointer) throws {
            crc = Self.crc32(crc, piece)
            packDigest?.update(piece)
            try output.append(piece)
        }
        try (Self.objectHeader(count: bytes.count) + [0x78, 0x01]).withUnsafeBytes { try piece($0) }
        var blockStart = 0
        repeat {
            let length = min(Self.maxBlock, bytes.count - blockStart)
            let block = UnsafeRawBufferPointer(rebasing: bytes[blockStart..<blockStart + length])
            try Self.storedBlockHeader(length: length, final: blockStart + length == bytes.count).withUnsafeBytes { try piece($0) }
            try piece(block)
            adler = Self.adler32(adler, block)
            blockStart += length
        } while blockStart < bytes.count
        try Self.bigEndian(UInt32(adler)).withUnsafeBytes { try piece($0) }
        written[id] = entries.count
        entries.append(Entry(id: id, offset: start, crc: UInt32(crc), size: bytes.count))
    }

    /// Appends bytes that belong to no object (the header), extending the running checksum.
    private func emit(_ bytes: [UInt8]) throws {
        packDigest?.update(bytes)
        try output.append(bytes)
    }

    /// `digest` extended by the packed form of `bytes` up to, not including, its Adler-32 trailer.
    private static func digest(_ digest: SHA1, extendedByObject bytes: UnsafeRawBufferPointer) -> SHA1 {
        var digest = digest
        digest.update(objectHeader(count: bytes.count) + [0x78, 0x01])
        var blockStart = 0
        repeat {
            let length = min(maxBlock, bytes.count - blockStart)
            digest.update(storedBlockHeader(length: length, final: blockStart + length == bytes.count))
            digest.update(UnsafeRawBufferPointer(rebasing: bytes[blockStart..<blockStart + length]))
            blockStart += length
        } while blockStart < bytes.count
        return digest
    }

    /// Appends one object to the output; returns the CRC-32 of its packed bytes (which the index
    /// records) and the Adler-32 of `bytes`. Extends no checksum of the writer's: the caller does.
    private func writeObject(_ bytes: UnsafeRawBufferPointer) throws -> (crc: UInt32, adler: UInt32) {
        var crc: UInt = 0
        var adler = Checksum.adler32Initial
        func piece(_ piece: UnsafeRawBufferPointer) throws {
            crc = Self.crc32(crc, piece)
            try output.append(piece)
        }
        try (Self.objectHeader(count: bytes.count) + [0x78, 0x01]).withUnsafeBytes { try piece($0) }
        var blockStart = 0
        var header: (UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0)
        repeat {
            let length = min(Self.maxBlock, bytes.count - blockStart)
            let block = UnsafeRawBufferPointer(rebasing: bytes[blockStart..<blockStart + length])
            let final = blockStart + length == bytes.count
            let length16 = UInt16(length)
            header = (final ? 1 : 0, UInt8(length16 & 0xFF), UInt8(length16 >> 8), UInt8(~length16 & 0xFF), UInt8(~length16 >> 8))
            try withUnsafeBytes(of: header) { try piece($0) }
            try piece(block)
            adler = Self.adler32(adler, block)
            blockStart += length
        } while blockStart < bytes.count
        try Self.bigEndian(UInt32(adler)).withUnsafeBytes { try piece($0) }
        return (UInt32(crc), UInt32(adler))
    }

    /// The pack's 12-byte header: signature, version 2, object count.
    package static func packHeader(count: Int) -> [UInt8] {
        Array("PACK".utf8) + bigEndian(UInt32(2)) + bigEndian(UInt32(count))
    }

    /// The type-and-size header of a pack entry: type 3 (blob) and the size, 4 bits then 7 per
    /// byte, least significant first, high bit meaning "more follows" (gitformat-pack).
    package static func objectHeader(count: Int) -> [UInt8] {
        var size = UInt64(count)
        var header: [UInt8] = [UInt8(3 << 4) | UInt8(size & 0x0F)]
        size >>= 4
        while size > 0 {
            header[header.count - 1] |= 0x80
            header.append(UInt8(size & 0x7F))
            size >>= 7
        }
        return header
    }

    /// A stored deflate block's header (RFC 1951 §3.2.4), byte-aligned because every block
    /// before it is stored too: BFINAL and BTYPE=00 in one byte, then LEN and its complement.
    package static func storedBlockHeader(length: Int, final: Bool) -> [UInt8] {
        let length = UInt16(length)
        return [final ? 1 : 0, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
    }

    /// The version-2 index: fan-out table, sorted names, CRC-32s, offsets (4-byte, or an index
    /// into the 8-byte table with the high bit set), the pack's checksum and its own.
    private func indexBytes(packChecksum: ObjectID) -> [UInt8] {
        let sorted = entries.sorted { $0.id < $1.id }
        var index: [UInt8] = [0xFF, 0x74, 0x4F, 0x63] + Self.bigEndian(UInt32(2))
        index.reserveCapacity(8 + 1024 + sorted.count * 36 + 40)
        var fanout = [UInt32](repeating: 0, count: 256)
        for entry in sorted { fanout[Int(entry.id.bytes.0)] += 1 }
        var total: UInt32 = 0
        for first in 0..<256 {
            total += fanout[first]
            index += Self.bigEndian(total)
        }
        for entry in sorted { withUnsafeBytes(of: entry.id.bytes) { index += $0 } }
        for entry in sorted { index += Self.bigEndian(entry.crc) }
        var large: [UInt64] = []
        for entry in sorted {
            if entry.offset < largeOffsetThreshold {
                index += Self.bigEndian(UInt32(entry.offset))
            } else {
                index += Self.bigEndian(UInt32(0x8000_0000) | UInt32(large.count))
                large.append(entry.offset)
            }
        }
        for offset in large { index += Self.bigEndian(offset) }
        withUnsafeBytes(of: packChecksum.bytes) { index += $0 }
        var digest = SHA1()
        digest.update(index)
        let own = digest.finish()
        withUnsafeBytes(of: own.bytes) { index += $0 }
        return index
    }

    // MARK: Files

    // MARK: Checksums and numbers

    private static func crc32(_ crc: UInt, _ bytes: UnsafeRawBufferPointer) -> UInt { Checksum.crc32(crc, bytes) }

    private static func adler32(_ adler: UInt, _ bytes: UnsafeRawBufferPointer) -> UInt { Checksum.adler32(adler, bytes) }

    package static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}
