import MgitInterop
import MgitNetworks

/// Permutations with attention-head blocks: checking them and drawing random ones that keep a network's
/// function.
extension PermutationSpec {
    /// The head map of `p` under `structure`: `map[h]` is the head whose block lands at head `h`, or nil when
    /// some block of `p` does not come from a single head.
    static func headMap(_ p: Permutation, heads: Int) -> [Int]? {
        let b = p.count / heads
        var map: [Int] = []
        for h in 0..<heads {
            let source = p.indices[h * b] / b
            for i in 0..<b where p.indices[h * b + i] / b != source { return nil }
            map.append(source)
        }
        return map
    }

    /// Checks that every permutation with head blocks moves whole heads, keeps the order inside heads where
    /// pinned (RoPE), and shares its head map where declared (V/O with Q/K).
    ///
    /// - Throws: `MgitError(.invalidInput)` naming the permutation and what it breaks; such a permutation would
    ///   not preserve the network's function.
    public func checkHeads(of permutations: PermutationSet) throws {
        for name in headStructures.keys.sorted(by: naturallyPrecedes) {
            let structure = headStructures[name]!
            guard let p = permutations[name] else { continue }
            let b = p.count / structure.heads
            guard let map = Self.headMap(p, heads: structure.heads) else {
                throw MgitError(.invalidInput, "permutation '\(name)' splits a head: its \(structure.heads) head blocks "
                                + "of \(b) must each move as a whole")
            }
            if structure.withinFixed {
                for h in 0..<structure.heads {
                    for i in 0..<b where p.indices[h * b + i] != map[h] * b + i {
                        throw MgitError(.invalidInput, "permutation '\(name)' reorders positions inside head \(map[h]), "
                                        + "whose order is pinned (RoPE)")
                    }
                }
            }
            if let other = structure.sameHeadsAs, let q = permutations[other],
               Self.headMap(q, heads: structure.heads) != map {
                throw MgitError(.invalidInput, "permutation '\(name)' must move heads as '\(other)' does")
            }
        }
    }

    /// Seeded random permutations that preserve the network's function: uniform on every permutation without
    /// head blocks; for head blocks a random head map (shared where `sameHeadsAs` says) and a random order
    /// inside each head unless pinned.
    ///
    /// - Parameter sizes: Every permutation's size, from ``sizes(for:)``.
    public func randomPermutations(sizes: [String: Int], seed: UInt64) -> PermutationSet {
        var generator = SeededGenerator(seed: seed)
        var result = PermutationSet()
        var headMaps: [String: [Int]] = [:]
        let ordered = permutationNames.filter { headStructures[$0]?.sameHeadsAs == nil }
            + permutationNames.filter { headStructures[$0]?.sameHeadsAs != nil }
        for name in ordered {
            let n = sizes[name]!
            guard let structure = headStructures[name] else {
                result[name] = try! Permutation(generator.permutation(n)) // a shuffle of 0..<n is a permutation
                continue
            }
            let b = n / structure.heads
            let map = structure.sameHeadsAs.flatMap { headMaps[$0] } ?? generator.permutation(structure.heads)
            headMaps[name] = map
            var indices: [Int] = []
            for h in 0..<structure.heads {
                let within = structure.withinFixed ? Array(0..<b) : generator.permutation(b)
                indices += within.map { map[h] * b + $0 }
            }
            result[name] = try! Permutation(indices) // whole blocks of a permuted head order
        }
        return result
    }
}
