/// How a large tensor is cut into chunks, each stored as a git blob of its own (docs/STORAGE.md, "Large tensors").
///
/// Hosted git forges refuse or warn about blobs above 50–100 MiB; a tensor above ``limit`` bytes is therefore
/// stored as consecutive pieces of ``chunkBytes(dtype:shape:limit:)`` bytes (the last one shorter), in a tree
/// whose entries `000000`, `000001`, … are the pieces in order. Boundaries fall on whole rows (the first
/// dimension), so a fine-tune that changes a few rows of an embedding changes only the chunks holding them, and
/// an unchanged chunk keeps its blob id and is stored once.
public struct TensorChunking: Sendable, Equatable {
    /// The config key (`.mgit/config`) giving the largest tensor stored as one blob, in bytes.
    public static let configKey = "storage.chunkSize"
    /// The default limit: 32 MiB, well under the 50 MiB at which hosted forges start to complain.
    public static let defaultLimit = 32 << 20
    /// The smallest limit accepted (a smaller one would only multiply objects).
    public static let minimumLimit = 4096

    /// Tensors above this many bytes are chunked; chunks are at most this long.
    public let limit: Int

    public init(limit: Int = Self.defaultLimit) {
        precondition(limit >= Self.minimumLimit, "chunk limit below \(Self.minimumLimit) bytes")
        self.limit = limit
    }

    /// The length of every chunk but the last for a tensor of `byteCount` bytes and `shape`, or nil when the tensor
    /// fits one blob.
    ///
    /// The chunk is the largest whole number of rows (a row is `byteCount / shape[0]` bytes) that fits ``limit``;
    /// a row longer than the limit, a 0- or 1-dimensional tensor's "row" being one element, falls back to
    /// ``limit`` itself, which still keeps every boundary at a fixed offset.
    public func chunkBytes(byteCount: Int, shape: [Int]) -> Int? {
        guard byteCount > limit else { return nil }
        if let rows = shape.first, rows > 0, shape.count >= 2, byteCount % rows == 0 {
            let row = byteCount / rows
            if row > 0 && row <= limit { return limit / row * row }
        }
        return limit
    }

    /// The byte ranges of the chunks of a `byteCount`-byte tensor cut every `chunkBytes` bytes.
    public static func ranges(byteCount: Int, chunkBytes: Int) -> [Range<Int>] {
        precondition(chunkBytes > 0)
        return stride(from: 0, to: byteCount, by: chunkBytes).map { $0..<min(byteCount, $0 + chunkBytes) }
    }

    /// The tree entry name of chunk `index`: six decimal digits, so that git's name order is chunk order.
    public static func entryName(_ index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}
