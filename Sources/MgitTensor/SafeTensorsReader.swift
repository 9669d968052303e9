import MgitInterop
/// A memory-mapped safetensors checkpoint: one file, or a sharded set read through its index as one checkpoint.
///
/// The whole file is validated when it is opened (see docs/SAFETENSORS.md); afterwards tensor data is read
/// straight from the read-only mapping, and copied only by ``tensor(at:)`` and ``checkpoint()``.
///
/// The reader is `Sendable`: every property is an immutable `let`, and the mappings are read-only and unmapped
/// only when the last reference goes (see `MappedFile`), so several threads may read tensors at once.
public final class SafeTensorsReader: Sendable {
    /// The path the reader was opened with: the `.safetensors` file or the `*.safetensors.index.json`.
    public let path: String
    /// The tensors in data order: by data offset; for shards, shard by shard (shard names in byte order), then
    /// by offset.
    public let entries: [TensorEntry]
    /// The `__metadata__` of the file, or the union of the shards' `__metadata__`.
    public let metadata: [String: String]

    private let files: [MappedFile]
    /// Per entry: which of `files` holds its bytes.
    private let fileIndices: [Int]
    /// Per entry: where its bytes begin in that file.
    private let fileOffsets: [Int]

    /// Opens and validates a `.safetensors` file, or every shard of a `*.safetensors.index.json` (a path ending
    /// in `.json` is read as an index).
    ///
    /// - Throws: `.notFound` when the path (or a shard) does not exist; `.io` for a directory or an unreadable
    ///   file; `.corrupt` for a file that breaks the format, naming the file, the tensor and the fact.
    public init(path: String) throws {
        self.path = path
        if path.hasSuffix(".json") {
            let shards = try ShardedCheckpointIndex(path: path)
            let opened = try shards.open()
            files = opened.files
            entries = opened.entries
            fileIndices = opened.fileIndices
            fileOffsets = opened.fileOffsets
            metadata = opened.metadata
        } else {
            let file = try MappedFile(path: path)
            let header = try SafeTensorsHeader.validate(file.bytes, path: path)
            files = [file]
            entries = header.entries
            fileIndices = Array(repeating: 0, count: header.entries.count)
            fileOffsets = header.fileOffsets
            metadata = header.metadata
        }
    }

    /// The index in ``entries`` of the tensor called `name`, or nil.
    public func index(of name: String) -> Int? {
        entries.firstIndex { $0.name == name }
    }

    /// Lends `body` the raw little-endian bytes of entry `entry` straight from the mapping, without copying.
    ///
    /// The buffer holds `entries[entry].byteCount` bytes, is valid only inside `body`, and has no alignment
    /// guarantee beyond the format's (read elements with `loadUnaligned`).
    public func withBytes<R>(of entry: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let file = files[fileIndices[entry]]
        let begin = fileOffsets[entry]
        let view = UnsafeRawBufferPointer(rebasing: file.bytes[begin..<begin + entries[entry].byteCount])
        return try withExtendedLifetime(file) { try body(view) }
    }

    /// Drops entry `entry`'s pages from resident memory after use (they stay in the page cache).
    public func releasePages(of entry: Int) {
        let begin = fileOffsets[entry]
        files[fileIndices[entry]].releasePages(begin..<begin + entries[entry].byteCount)
    }

    /// A copy of entry `entry` as an in-memory tensor.
    public func tensor(at entry: Int) -> Tensor {
        let description = entries[entry]
        let bytes = withBytes(of: entry) { [UInt8]($0) }
        return Tensor(dtype: description.dtype, shape: description.shape, bytes: bytes)
    }

    /// A copy of the whole checkpoint in memory, tensors in ``entries`` order; meant for small files.
    public func checkpoint() -> Checkpoint {
        var checkpoint = Checkpoint(metadata: metadata)
        for index in entries.indices {
            checkpoint[entries[index].name] = tensor(at: index)
        }
        return checkpoint
    }
}
