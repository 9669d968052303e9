import Foundation

/// A deterministic random number generator (SplitMix64, Steele, Lea & Flood 2014): the same seed gives the
/// same sequence on every platform and Swift version, unlike `SystemRandomNumberGenerator`.
///
/// Weight matching draws its order of permutations from it so that a seed reproduces a result exactly.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Starts the sequence for `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform `Double` in `[0, 1)` from the top 53 bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A standard normal sample (Box–Muller).
    public mutating func nextGaussian() -> Double {
        let u1 = 1 - nextUnit()
        let u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// A uniform random permutation of `0..<n` (Fisher–Yates, drawing bounded values without modulo bias).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 {
            for i in Swift.stride(from: n - 1, to: 0, by: -1) {
                p.swapAt(i, Int.random(in: 0...i, using: &self))
            }
        }
        return p
    }
}
