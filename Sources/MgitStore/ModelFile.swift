/// A file of a model folder that is not a tensor shard (`config.json`, `tokenizer.json`, `README.md`), as a
/// commit's manifest lists it: stored byte for byte as an ordinary git blob at `files/<path>`.
public struct ModelFile: Codable, Sendable, Equatable {
    /// The path relative to the model folder, `/`-separated (`config.json`, `tokenizer/vocab.txt`).
    public var path: String
    /// The git blob holding the bytes, 40 hex digits.
    public var blob: String
    /// The byte count.
    public var bytes: Int

    public init(path: String, blob: String, bytes: Int) {
        self.path = path
        self.blob = blob
        self.bytes = bytes
    }
}
