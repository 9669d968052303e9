import Foundation
import MgitInterop
import MgitTensor

/// The description of a checkpoint stored in a commit: `manifest.json` at the root of the commit's tree.
///
/// It lists the tensors in order with dtype, shape and blob id, and the safetensors metadata, so that `export`
/// rebuilds the file without guessing. docs/STORAGE.md describes the format.
public struct CheckpointManifest: Codable, Sendable, Equatable {
    /// The manifest format this mgit writes; a newer one is refused with a message to upgrade.
    public static let currentFormat = 1

    /// One tensor: where its bytes are and how to read them.
    public struct Entry: Codable, Sendable, Equatable {
        public var name: String
        public var dtype: DType
        public var shape: [Int]
        /// The git blob holding the raw little-endian bytes, 40 hex digits.
        public var blob: String
        /// The blob's path in the commit's tree, `tensors/<encoded name>`.
        public var path: String
        /// The byte count, `product(shape) * dtype.size`.
        public var bytes: Int

        public var elementCount: Int { shape.reduce(1, *) }

        /// The memberwise initializer, for the modules above this one.
        package init(name: String, dtype: DType, shape: [Int], blob: String, path: String, bytes: Int) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.blob = blob
            self.path = path
            self.bytes = bytes
        }
    }

    public var format: Int
    public var metadata: [String: String]
    public var tensors: [Entry]

    public init(metadata: [String: String], tensors: [Entry]) {
        format = Self.currentFormat
        self.metadata = metadata
        self.tensors = tensors
    }

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
