/// A batch of equal-length token sequences, the input of a transformer: ids `[batch, length]`, row-major.
public struct TokenBatch: Sendable, Equatable {
    /// Sequences in the batch, `B`.
    public let batch: Int
    /// Tokens per sequence, `T`.
    public let length: Int
    /// Token ids, `[B, T]` row-major.
    public let ids: [Int]
    /// Token types (BERT segment ids), `[B, T]`; nil means all zero.
    public let tokenTypes: [Int]?

    /// Wraps ids `[batch, length]` and optional token types of the same shape.
    public init(batch: Int, length: Int, ids: [Int], tokenTypes: [Int]? = nil) {
        precondition(batch >= 0 && length >= 0 && ids.count == batch * length, "ids do not fill [\(batch), \(length)]")
        precondition(tokenTypes.map { $0.count == ids.count } ?? true, "token types do not match the ids")
        self.batch = batch
        self.length = length
        self.ids = ids
        self.tokenTypes = tokenTypes
    }

    /// The sequences `range`, shape `[range.count, length]`.
    public func sequences(_ range: Range<Int>) -> TokenBatch {
        let slice = (range.lowerBound * length)..<(range.upperBound * length)
        return TokenBatch(batch: range.count, length: length, ids: Array(ids[slice]),
                          tokenTypes: tokenTypes.map { Array($0[slice]) })
    }
}
