import MgitInterop
/// A permutation of `0..<n` in gather form, like `numpy.take`: applied along an axis, output position `i`
/// takes the slice at input position `indices[i]`.
///
/// In weight matching (Ainsworth et al. 2023, §3.2) `indices[i]` is the hidden unit of model B that is
/// matched to unit `i` of model A.
public struct Permutation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `indices[i]` is the source position of output position `i`; a permutation of `0..<count`.
    public let indices: [Int]

    /// Checks that `indices` is a permutation of `0..<indices.count`.
    public init(_ indices: [Int]) throws {
        var seen = [Bool](repeating: false, count: indices.count)
        for (i, j) in indices.enumerated() {
            guard j >= 0, j < indices.count, !seen[j] else {
                throw MgitError(.invalidInput,
                                "not a permutation of 0..<\(indices.count): position \(i) holds \(j)")
            }
            seen[j] = true
        }
        self.indices = indices
    }

    private init(unchecked indices: [Int]) {
        self.indices = indices
    }

    /// The identity on `0..<n`.
    public static func identity(_ n: Int) -> Permutation { Permutation(unchecked: Array(0..<n)) }

    /// The number of elements permuted.
    public var count: Int { indices.count }

    /// Whether this is the identity.
    public var isIdentity: Bool { indices.enumerated().allSatisfy { $0.offset == $0.element } }

    /// The permutation that undoes this one: applying `self` then `inverse` restores every position.
    public var inverse: Permutation {
        var inv = [Int](repeating: 0, count: indices.count)
        for (i, j) in indices.enumerated() { inv[j] = i }
        return Permutation(unchecked: inv)
    }

    /// The permutation equal to applying `self` first and then `other` (`result[i] = self[other[i]]`).
    public func then(_ other: Permutation) -> Permutation {
        precondition(other.count == count, "composing permutations of \(count) and \(other.count) elements")
        return Permutation(unchecked: other.indices.map { indices[$0] })
    }

    /// `Permutation([2, 0, 1])`.
    public var description: String { "Permutation(\(indices))" }

    /// Decodes a JSON list of indices, checking it is a permutation.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        try self.init(container.decode([Int].self))
    }

    /// Encodes the list of indices.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(indices)
    }
}
