import CLibGit2
import Foundation
import Testing
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitStore
@testable import MgitLineage
@testable import MgitNetworks
@testable import MgitAlignment
@testable import MgitHooks
@testable import MgitMerge
@testable import MgitOperations

/// PackWriter checked against git itself (hash-object, cat-file, verify-pack, fsck, index-pack)
/// and against libgit2's reader.
@Suite struct PackWriterTests {
    /// Sizes around the stored-block limit (65 535), the in-memory staging path (< 1 MiB) and the
    /// two-core path (≥ 1 MiB).
    static let sizes = [0, 1, 15, 16, 65_535, 65_536, 65_537, 3 * 65_535, 1 << 20, 3_000_001]

    @Test(arguments: [0, 1, 16, 65_535, 65_536, 1_500_000])
    func blobIDMatchesGitHashObject(size: Int) throws {
        let repository = try PackScratchRepository()
        let bytes = Self.randomBytes(count: size, seed: UInt64(size) + 1)
        let file = repository.path + "/blob"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let expected = try repository.git(["hash-object", file]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(bytes.withUnsafeBytes { ObjectID.blobID(of: $0) }.hex == expected)
    }

    @Test func objectIDHexRoundTrips() throws {
        let hex = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
        let id = try #require(ObjectID(hex: hex))
        #expect(id.hex == hex)
        #expect(ObjectID(hex: hex.uppercased()) == id)
        #expect(ObjectID(hex: String(hex.dropLast())) == nil)
        #expect(ObjectID(hex: String(hex.dropLast()) + "g") == nil)
        #expect(withUnsafeBytes(of: id.bytes) { Array($0) }.first == 0xE6)
    }

    /// Hand-derived from gitformat-pack: type 3 in bits 6–4, size's low 4 bits, then 7 bits a byte.
    @Test(arguments: [
        (0, [0x30]), (15, [0x3F]), (16, [0xB0, 0x01]), (65_535, [0xBF, 0xFF, 0x1F]),
        (1 << 32, [0xB0, 0x80, 0x80, 0x80, 0x80, 0x01]),
    ] as [(Int, [UInt8])])
    func objectHeaderEncodesTypeAndSize(size: Int, expected: [UInt8]) {
        #expect(PackWriter.objectHeader(count: size) == expected)
    }

    /// RFC 1951 §3.2.4: BFINAL/BTYPE byte, LEN and NLEN little-endian.
    @Test func storedBlockHeaderFollowsRFC1951() {
        #expect(PackWriter.storedBlockHeader(length: 65_535, final: false) == [0x00, 0xFF, 0xFF, 0x00, 0x00])
        #expect(PackWriter.storedBlockHeader(length: 1, final: true) == [0x01, 0x01, 0x00, 0xFE, 0xFF])
        #expect(PackWriter.storedBlockHeader(length: 0, final: true) == [0x01, 0x00, 0x00, 0xFF, 0xFF])
    }

    /// Every large-offset cutoff; an announced object count that is absent, right or wrong; output
    /// buffers of 4 KiB and 8 KiB (objects straddle them, duplicates rewind across them) and 8 MiB.
    @Test(arguments: [
        (UInt64(1) << 31, nil, 8 << 20), (1 << 31, sizes.count, 8192), (100_000, sizes.count, 8 << 20),
        (13, 3, 8192), (100_000, sizes.count + 2, 4096),
    ] as [(UInt64, Int?, Int)])
    func gitReadsEveryBlobBack(largeOffsetThreshold: UInt64, expectedObjectCount: Int?, bufferSize: Int) throws {
        let repository = try PackScratchRepository()
        var blobs = Self.sizes.enumerated().map { Self.randomBytes(count: $1, seed: UInt64($0) + 7) }
        blobs.append(blobs[1])  // duplicates: a small one and a two-core one
        blobs.append(blobs[9])
        let writer = try PackWriter(objectsDirectory: repository.objects, expectedObjectCount: expectedObjectCount,
                                    largeOffsetThreshold: largeOffsetThreshold, bufferSize: bufferSize)
        var ids: [ObjectID] = []
        for blob in blobs {
            ids.append(try blob.withUnsafeBytes { try writer.addBlob($0) })
        }
        #expect(writer.objectCount == Self.sizes.count)
        let name = try #require(try writer.finish())
        let pack = "\(repository.objects)/pack/pack-\(name)"

        for (blob, id) in zip(blobs, ids) {
            #expect(id == blob.withUnsafeBytes { ObjectID.blobID(of: $0) })
            #expect(try repository.gitData(["cat-file", "-p", id.hex]) == Data(blob))
        }
        let batch = try repository.git(["cat-file", "--batch-check"], input: ids.map(\.hex).joined(separator: "\n") + "\n")
        #expect(batch == zip(blobs, ids).map { "\($1.hex) blob \($0.count)\n" }.joined())

        let verify = try repository.git(["verify-pack", "-v", pack + ".idx"])
        #expect(verify.contains("non delta: \(Self.sizes.count) objects"))
        #expect(verify.contains("\(pack).pack: ok"))
        // An empty repository's fsck notes that HEAD is unborn; anything else is a complaint.
        let fsck = try repository.gitResult(["fsck", "--strict", "--full", "--no-dangling"])
        let fsckOutput = String(decoding: fsck.stdout, as: UTF8.self) + fsck.errors
        let complaints = fsckOutput.split(separator: "\n").filter { !$0.hasPrefix("notice:") }
        #expect(fsck.status == 0 && complaints.isEmpty, "git fsck: \(fsckOutput)")

        // git's own index for the same pack must be byte for byte ours. git puts offsets above
        // its limit in the large table; ours puts those at or above the threshold there.
        var indexPack = ["index-pack", "-o", repository.path + "/git.idx"]
        if largeOffsetThreshold < 1 << 31 {
            indexPack.append("--index-version=2,\(max(Int(largeOffsetThreshold) - 1, 0))")
        }
        _ = try repository.git(indexPack + [pack + ".pack"])
        let ours = try Data(contentsOf: URL(fileURLWithPath: pack + ".idx"))
        #expect(ours == (try Data(contentsOf: URL(fileURLWithPath: repository.path + "/git.idx"))))
        // And the large-offset table is really used when the threshold says so.
        let largeCount = ours.count - (8 + 1024 + Self.sizes.count * 28 + 40)
        let offsets = try repository.git(["show-index"], input: ours)
        let expectedLarge = offsets.split(separator: "\n").filter { UInt64($0.split(separator: " ")[0])! >= largeOffsetThreshold }
        #expect(largeCount == 8 * expectedLarge.count)
        if largeOffsetThreshold <= 100_000 { #expect(expectedLarge.count >= 4) }
        if largeOffsetThreshold == 13 { #expect(expectedLarge.count == Self.sizes.count - 1) }
        #expect(try Self.packDirectoryListing(repository).allSatisfy { !$0.hasPrefix("tmp_") })
    }

    @Test func libgit2ReadsBlobsThroughAnAlreadyOpenDatabase() throws {
        let repository = try PackScratchRepository()
        git_libgit2_init()
        defer { git_libgit2_shutdown() }
        var handle: OpaquePointer?
        #expect(git_repository_open(&handle, repository.path) == 0)
        defer { git_repository_free(handle) }
        var odb: OpaquePointer?
        #expect(git_repository_odb(&odb, handle) == 0)
        defer { git_odb_free(odb) }

        let blobs = [0, 65_537, 2_000_000].enumerated().map { Self.randomBytes(count: $1, seed: UInt64($0) + 99) }
        let writer = try PackWriter(objectsDirectory: repository.objects)
        let ids = try blobs.map { blob in try blob.withUnsafeBytes { try writer.addBlob($0) } }
        _ = try writer.finish()
        #expect(git_odb_refresh(odb) == 0)

        for (blob, id) in zip(blobs, ids) {
            var oid = git_oid()
            #expect(git_oid_fromstr(&oid, id.hex) == 0)
            var object: OpaquePointer?
            #expect(git_odb_read(&object, odb, &oid) == 0)
            defer { git_odb_object_free(object) }
            #expect(git_odb_object_type(object) == GIT_OBJECT_BLOB)
            let size = git_odb_object_size(object)
            let read = Data(bytes: git_odb_object_data(object), count: size)
            #expect(read == Data(blob))
        }
    }

    @Test func finishingAnEmptyWriterLeavesNoFiles() throws {
        let repository = try PackScratchRepository()
        let before = try Self.packDirectoryListing(repository)
        let writer = try PackWriter(objectsDirectory: repository.objects)
        #expect(try Self.packDirectoryListing(repository).count == before.count + 1)
        #expect(try writer.finish() == nil)
        #expect(try Self.packDirectoryListing(repository) == before)
    }

    @Test func abandonedWriterRemovesItsTemporaryFile() throws {
        let repository = try PackScratchRepository()
        let before = try Self.packDirectoryListing(repository)
        do {
            let writer = try PackWriter(objectsDirectory: repository.objects)
            let blob = Self.randomBytes(count: 1_200_000, seed: 3)
            _ = try blob.withUnsafeBytes { try writer.addBlob($0) }
            #expect(try Self.packDirectoryListing(repository).contains { $0.hasPrefix("tmp_pack_") })
        }
        #expect(try Self.packDirectoryListing(repository) == before)
    }

    /// A forced id collision: equal bytes are one object, different bytes are refused.
    @Test(arguments: [0, 70_000, 1_100_000], [4096, 8 << 20])
    func repeatedIDsAreComparedByteForByte(size: Int, bufferSize: Int) throws {
        let repository = try PackScratchRepository()
        let writer = try PackWriter(objectsDirectory: repository.objects, largeOffsetThreshold: 1 << 31,
                                    bufferSize: bufferSize)
        let forced = try #require(ObjectID(hex: String(repeating: "ab", count: 20)))
        let blob = Self.randomBytes(count: size, seed: 5)
        var other = blob
        if size > 0 { other[size - 1] ^= 1 } else { other = [0] }
        let filler = Self.randomBytes(count: 2_000_000, seed: 6)
        _ = try blob.withUnsafeBytes { try writer.addBlob($0, naming: { _ in forced }) }
        _ = try filler.withUnsafeBytes { try writer.addBlob($0) }
        #expect(try Array(blob).withUnsafeBytes { try writer.addBlob($0, naming: { _ in forced }) }.id == forced)
        #expect(writer.objectCount == 2)
        #expect(throws: MgitError.self) {
            try other.withUnsafeBytes { try writer.addBlob($0, naming: { _ in forced }) }
        }
    }

    /// Blobs the repository already holds stay out of the pack, wherever they fall in it.
    @Test(arguments: [nil, 3, 4] as [Int?], [8192, 8 << 20])  // 3 is right: the running checksum must skip the rest
    func storedBlobsAreLeftOut(expectedObjectCount: Int?, bufferSize: Int) throws {
        let repository = try PackScratchRepository()
        let blobs = [10, 1_300_000, 70_000, 1_200_000, 5, 1_100_000].enumerated().map {
            Self.randomBytes(count: $1, seed: UInt64($0) + 40)
        }
        let stored: Set<Int> = [1, 4, 5]  // a large one in the middle, a small one, a large one last
        let storedIDs = Set(stored.map { blobs[$0].withUnsafeBytes { ObjectID.blobID(of: $0) } })
        let writer = try PackWriter(objectsDirectory: repository.objects, expectedObjectCount: expectedObjectCount,
                                    largeOffsetThreshold: 1 << 31, bufferSize: bufferSize)
        var asked: [ObjectID] = []
        for (index, blob) in blobs.enumerated() {
            let (id, added) = try blob.withUnsafeBytes {
                try writer.addBlob($0, unlessStored: { asked.append($0); return storedIDs.contains($0) })
            }
            #expect(id == blob.withUnsafeBytes { ObjectID.blobID(of: $0) })
            #expect(added == !stored.contains(index))
        }
        #expect(asked.count == blobs.count)
        struct Refused: Error {}
        for size in [20, 1_050_000] {  // not yet in the pack, so isStored is asked
            #expect(throws: Refused.self) {
                try Self.randomBytes(count: size, seed: 99).withUnsafeBytes {
                    try writer.addBlob($0, unlessStored: { _ in throw Refused() })
                }
            }
        }
        let name = try #require(try writer.finish())
        let verify = try repository.git(["verify-pack", "-v", "\(repository.objects)/pack/pack-\(name).idx"])
        #expect(verify.contains("non delta: 3 objects"))
        for (index, blob) in blobs.enumerated() {
            let id = blob.withUnsafeBytes { ObjectID.blobID(of: $0) }
            let read = try repository.gitResult(["cat-file", "-p", id.hex])
            #expect(stored.contains(index) ? read.status != 0 : read.stdout == Data(blob))
        }
        let fsck = try repository.gitResult(["fsck", "--strict", "--full", "--no-dangling"])
        #expect(fsck.status == 0)
    }

    /// O_DIRECT and the page-cache fallback write the very same pack (same name, same bytes).
    @Test(arguments: [nil, 2] as [Int?])
    func directAndBufferedOutputAgree(expectedObjectCount: Int?) throws {
        let blobs = [5_000, 1_500_000, 5_000].enumerated().map { Self.randomBytes(count: $1, seed: UInt64($0) + 70) }
        var packs: [Data] = []
        var names: [String] = []
        for direct in [true, false] {
            let repository = try PackScratchRepository()
            let writer = try PackWriter(objectsDirectory: repository.objects, expectedObjectCount: expectedObjectCount,
                                        largeOffsetThreshold: 1 << 31, bufferSize: 8192, directIO: direct)
            if !direct { #expect(!writer.writesDirectly) }  // (a filesystem may refuse O_DIRECT too)
            for blob in blobs { _ = try blob.withUnsafeBytes { try writer.addBlob($0) } }
            let name = try #require(try writer.finish())
            names.append(name)
            packs.append(try Data(contentsOf: URL(fileURLWithPath: "\(repository.objects)/pack/pack-\(name).pack")))
            _ = try repository.git(["verify-pack", "\(repository.objects)/pack/pack-\(name).idx"])
        }
        #expect(names[0] == names[1])
        #expect(packs[0] == packs[1])
    }

    @Test func missingObjectsDirectoryIsReported() {
        #expect(throws: MgitError.self) { try PackWriter(objectsDirectory: "/nonexistent/objects") }
    }

    // MARK: Support

    /// Deterministic noise (xorshift64), eight bytes per step so that debug builds stay quick.
    static func randomBytes(count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var words = [UInt64](repeating: 0, count: (count + 7) / 8)
        for i in words.indices {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            words[i] = state
        }
        return words.withUnsafeBytes { Array($0.prefix(count)) }
    }

    static func packDirectoryListing(_ repository: PackScratchRepository) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: repository.objects + "/pack").sorted()
    }
}

/// A `git init`ed repository in a fresh temporary directory, removed when the value is released.
final class PackScratchRepository {
    let path: String
    var objects: String { path + "/.git/objects" }

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("mgit-pack-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        _ = try git(["init", "-q"])
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Runs git in the repository; throws unless it exits 0. Returns stdout as text.
    func git(_ arguments: [String], input: String? = nil) throws -> String {
        try git(arguments, input: input.map { Data($0.utf8) })
    }

    func git(_ arguments: [String], input: Data?) throws -> String {
        String(decoding: try gitData(arguments, input: input), as: UTF8.self)
    }

    func gitData(_ arguments: [String], input: Data? = nil) throws -> Data {
        let result = try gitResult(arguments, input: input)
        guard result.status == 0 else {
            throw MgitError(.external, "git \(arguments.joined(separator: " ")) exited \(result.status): \(result.errors)")
        }
        return result.stdout
    }

    /// Runs git; returns its exit status, stdout, and stderr as text.
    ///
    /// stdout stays bytes: decoding megabytes of random bytes as UTF-8 repairs every bad sequence,
    /// and Swift Testing captures a backtrace for each error thrown inside that repair.
    func gitResult(_ arguments: [String], input: Data? = nil) throws -> (status: Int32, stdout: Data, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: path)
        let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()
        // Inputs here are small; outputs may be megabytes, so drain stderr on the side.
        try stdin.fileHandleForWriting.write(contentsOf: input ?? Data())
        try stdin.fileHandleForWriting.close()
        nonisolated(unsafe) var errors = Data()
        let drained = DispatchSemaphore(value: 0)
        let errorHandle = stderr.fileHandleForReading
        Thread.detachNewThread {
            errors = errorHandle.readDataToEndOfFile()
            drained.signal()
        }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        return (process.terminationStatus, out, String(decoding: errors, as: UTF8.self))
    }
}
