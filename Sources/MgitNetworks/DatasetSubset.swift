import MgitInterop
/// Which samples of a dataset to use, reproducibly from a seed.
///
/// The class-biased teams follow Git Re-Basin §5.4 (disjoint data): team A gets `fraction` (80%) of every
/// class in the lower half of the class ids and `1 − fraction` of every class in the upper half; team B gets
/// exactly the samples team A does not, so the two subsets are disjoint and together cover the dataset.
public enum DatasetSubset: Sendable, Equatable, Codable, CustomStringConvertible {
    /// One side of the class-biased split.
    public enum Team: String, Sendable, Codable, CaseIterable {
        /// Favours classes `0..<classCount/2` (0–4 for ten classes).
        case a
        /// Favours classes `classCount/2..<classCount` (5–9 for ten classes).
        case b
    }

    /// Every sample.
    case all
    /// The first `n` samples in dataset order.
    case first(Int)
    /// `count` samples drawn without replacement, kept in dataset order.
    case random(count: Int, seed: UInt64)
    /// One team's side of the class-biased split.
    case team(Team, fraction: Double, seed: UInt64)

    /// Parses `all`, `first:N`, `random:N:SEED`, `team-a:SEED`, `team-b:SEED` or `team-a:SEED:FRACTION`.
    public static func parse(_ text: String) throws -> DatasetSubset {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func bad() -> MgitError {
            MgitError(.invalidInput, "unknown subset '\(text)'; use all, first:N, random:N:SEED, team-a:SEED, "
                          + "team-b:SEED or team-a:SEED:FRACTION (e.g. team-a:1:0.8)")
        }
        switch (parts.first, parts.count) {
        case ("all", 1): return .all
        case ("first", 2):
            guard let n = Int(parts[1]), n >= 0 else { throw bad() }
            return .first(n)
        case ("random", 3):
            guard let n = Int(parts[1]), n >= 0, let seed = UInt64(parts[2]) else { throw bad() }
            return .random(count: n, seed: seed)
        case ("team-a", 2), ("team-a", 3), ("team-b", 2), ("team-b", 3):
            guard let seed = UInt64(parts[1]) else { throw bad() }
            let fraction = parts.count == 3 ? Double(parts[2]) : 0.8
            guard let fraction, fraction >= 0, fraction <= 1 else { throw bad() }
            return .team(parts[0] == "team-a" ? .a : .b, fraction: fraction, seed: seed)
        default: throw bad()
        }
    }

    public var description: String {
        switch self {
        case .all: "all"
        case let .first(n): "first:\(n)"
        case let .random(n, seed): "random:\(n):\(seed)"
        case let .team(team, fraction, seed): "team-\(team.rawValue):\(seed):\(fraction)"
        }
    }

    /// The indices of `dataset` this subset selects, in increasing order.
    public func indices(in dataset: Dataset) throws -> [Int] {
        switch self {
        case .all:
            return Array(0..<dataset.count)
        case let .first(n):
            try Self.check(n, dataset)
            return Array(0..<n)
        case let .random(n, seed):
            try Self.check(n, dataset)
            var generator = SeededGenerator(seed: seed)
            return Array(generator.permutation(dataset.count).prefix(n)).sorted()
        case let .team(team, fraction, seed):
            let split = Self.classBiasedSplit(dataset.labels, classCount: dataset.classCount,
                                              fraction: fraction, seed: seed)
            return team == .a ? split.a : split.b
        }
    }

    /// The selected samples as a dataset.
    public func apply(to dataset: Dataset) throws -> Dataset {
        if case .all = self { return dataset }
        return dataset.subset(try indices(in: dataset))
    }

    /// The class-biased split of Git Re-Basin §5.4: each class's samples are shuffled (seeded per class) and
    /// the team favouring that class takes the first `round(fraction · n_c)`, the other team the rest.
    ///
    /// - Parameter labels: Shape `[N]`, class ids in `0..<classCount`.
    /// - Returns: Disjoint index lists in increasing order whose union is `0..<N`.
    package static func classBiasedSplit(_ labels: [Int], classCount: Int, fraction: Double, seed: UInt64)
        -> (a: [Int], b: [Int]) {
        var byClass = [[Int]](repeating: [], count: classCount)
        for (i, l) in labels.enumerated() { byClass[l].append(i) }
        var a: [Int] = [], b: [Int] = []
        for (c, members) in byClass.enumerated() {
            var generator = SeededGenerator(seed: seed &+ UInt64(c) &* 0x9E37_79B9_7F4A_7C15)
            var shuffled = members
            generator.shuffle(&shuffled)
            let favoured = Int((fraction * Double(shuffled.count)).rounded())
            let aFavoured = c < classCount / 2
            let head = Array(shuffled.prefix(favoured)), tail = Array(shuffled.dropFirst(favoured))
            a += aFavoured ? head : tail
            b += aFavoured ? tail : head
        }
        return (a.sorted(), b.sorted())
    }

    private static func check(_ n: Int, _ dataset: Dataset) throws {
        guard n <= dataset.count else {
            throw MgitError(.invalidInput, "cannot take \(n) samples from a dataset of \(dataset.count)")
        }
    }
}
