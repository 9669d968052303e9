import Foundation
import MgitInterop
import MgitTensor

/// The description of a checkpoint stored in a commit: `manifest.json` at the root of the commit's tree.
///
/// It lists the tensors in order with dtype, shape and blob id, and the safetensors metadata, so that `export`
/// rebuilds the file without guessing. docs/STORAGE.md describes the format.
public struct CheckpointManifest: Codable, Sendable, Equatable {
    /// The newest manifest format this mgit reads; a newer one is refused with a message to upgrade.
    ///
    /// Format 1: every tensor one blob. Format 2 adds chunked tensors (``Entry/chunkBytes``), shard files
    /// (``Entry/file``) and the model folder's other files (``files``); mgit writes 2 only when a commit uses one
    /// of them, so a plain checkpoint's manifest (and tree id) stays what older mgit wrote.
    public static let currentFormat = 2

    /// One tensor: where its bytes are and how to read them.
    public struct Entry: Codable, Sendable, Equatable {
        public var name: String
        public var dtype: DType
        public var shape: [Int]
        /// The git blob holding the raw little-endian bytes, 40 hex digits.
        public var blob: String
        /// The blob's path in the commit's tree, `tensors/<encoded name>`.
        public var path: String
        /// The byte count, `product(shape) * dtype.bitSize / 8`.
        public var bytes: Int
        /// For a chunked tensor: the length of every chunk but the last. ``blob`` is then the id of a tree whose
        /// entries `000000`, `000001`, … are the chunks in order (``TensorChunking``). Nil: ``blob`` is one blob.
        public var chunkBytes: Int?
        /// The shard file of the model folder that held the tensor (`model-00001-of-00002.safetensors`), when
        /// the commit came from a folder; export lays the shards out again by it.
        public var file: String?

        public var elementCount: Int { shape.reduce(1, *) }

        /// The memberwise initializer, for the modules above this one.
        package init(name: String, dtype: DType, shape: [Int], blob: String, path: String, bytes: Int,
                     chunkBytes: Int? = nil, file: String? = nil) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.blob = blob
            self.path = path
            self.bytes = bytes
            self.chunkBytes = chunkBytes
            self.file = file
        }
    }

    public var format: Int
    public var metadata: [String: String]
    /// True when the checkpoint had an empty `__metadata__` map (`{}`) rather than none; absent otherwise, so
    /// manifests of files without one stay byte for byte what older mgit wrote.
    public var emptyMetadataMap: Bool?
    public var tensors: [Entry]
    /// The model folder's other files (config, tokenizer, card), stored as ordinary blobs under `files/`;
    /// absent for a commit of a single safetensors file.
    public var files: [ModelFile]?

    public init(metadata: [String: String], hasMetadataMap: Bool = false, tensors: [Entry], files: [ModelFile]? = nil) {
        let usesFormat2 = files != nil || tensors.contains { $0.chunkBytes != nil || $0.file != nil }
        format = usesFormat2 ? 2 : 1
        self.metadata = metadata
        emptyMetadataMap = metadata.isEmpty && hasMetadataMap ? true : nil
        self.tensors = tensors
        self.files = files
    }

    /// Whether an export writes a `__metadata__` map even when it is empty.
    public var hasMetadataMap: Bool { !metadata.isEmpty || emptyMetadataMap == true }

    /// The manifest's bytes: sorted keys, pretty-printed, so that equal manifests are equal blobs.
    package func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try encoder.encode(self)) + [UInt8(ascii: "\n")]
    }

    package static func decode(_ bytes: UnsafeRawBufferPointer, commit: String) throws -> CheckpointManifest {
        let manifest: CheckpointManifest
        do {
            manifest = try JSONDecoder().decode(CheckpointManifest.self, from: Data(bytes))
        } catch {
            throw MgitError(.corrupt, "the manifest of commit \(commit.prefix(12)) is not valid: \(error)")
        }
        guard manifest.format <= currentFormat else {
            throw MgitError(.invalidInput, "commit \(commit.prefix(12)) uses manifest format \(manifest.format), "
                            + "newer than this mgit understands (\(currentFormat)): upgrade mgit")
        }
        try manifest.validate(commit: commit)
        return manifest
    }

    /// The total element count.
    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.elementCount } }
    /// The total byte count of the tensors.
    public var byteCount: Int { tensors.reduce(0) { $0 + $1.bytes } }
}
