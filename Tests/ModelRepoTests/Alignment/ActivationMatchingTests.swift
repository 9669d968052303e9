import Testing
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitStore
@testable import MgitLineage
@testable import MgitNetworks
@testable import MgitAlignment
@testable import MgitHooks
@testable import MgitMerge
@testable import MgitOperations

@Suite struct ActivationMatchingTests {
    /// Row-major `[samples, units]` Gaussian activations.
    func activations(_ samples: Int, _ units: Int, _ g: inout SeededGenerator) -> [Float] {
        (0..<samples * units).map { _ in Float(g.nextGaussian()) }
    }

    @Test func scoresEqualNaiveSumsOverBatches() throws {
        var g = SeededGenerator(seed: 60)
        let (units, batches) = (5, [7, 3, 11])
        var stats = ActivationStatistics(units: units)
        var allA: [Float] = [], allB: [Float] = []
        for m in batches {
            let a = activations(m, units, &g).map { $0 * 2 + 1 }
            let b = activations(m, units, &g)
            try stats.add(a: a, b: b)
            allA += a
            allB += b
        }
        let m = batches.reduce(0, +)
        #expect(stats.samples == m)
        func column(_ z: [Float], _ i: Int) -> [Double] { (0..<m).map { Double(z[$0 * units + i]) } }
        let inner = stats.score(.innerProduct)
        let corr = stats.score(.correlation)
        for i in 0..<units {
            for j in 0..<units {
                let (x, y) = (column(allA, i), column(allB, j))
                let dot = zip(x, y).reduce(0.0) { $0 + $1.0 * $1.1 }
                #expect(abs(inner[i * units + j] - dot) <= 1e-4 * max(1, abs(dot)))
                // Pearson correlation, two-pass.
                let (mx, my) = (x.reduce(0, +) / Double(m), y.reduce(0, +) / Double(m))
                let cov = zip(x, y).reduce(0.0) { $0 + ($1.0 - mx) * ($1.1 - my) }
                let sx = x.reduce(0.0) { $0 + ($1 - mx) * ($1 - mx) }.squareRoot()
                let sy = y.reduce(0.0) { $0 + ($1 - my) * ($1 - my) }.squareRoot()
                #expect(abs(corr[i * units + j] - cov / (sx * sy)) <= 1e-5)
            }
        }
    }

    @Test(arguments: [ActivationMatching.Criterion.correlation, .innerProduct])
    func plantedPermutationOfUnitsIsRecovered(criterion: ActivationMatching.Criterion) throws {
        var g = SeededGenerator(seed: 61)
        let (units, m) = (24, 200)
        let a = activations(m, units, &g)
        // B's unit j is A's unit q[j], rescaled (and, for correlation, shifted) plus a little noise.
        let q = g.permutation(units)
        var b = [Float](repeating: 0, count: m * units)
        for s in 0..<m {
            for j in 0..<units {
                let shift: Float = criterion == .correlation ? Float(j) : 0
                b[s * units + j] = a[s * units + q[j]] * (1 + Float(j % 3) * 0.1) + shift + 0.05 * Float(g.nextGaussian())
            }
        }
        var stats = ActivationStatistics(units: units)
        try stats.add(a: a, b: b)
        let (set, objectives) = try ActivationMatching.match(["P": stats], criterion: criterion)
        let p = set["P"]!.indices
        for i in 0..<units { #expect(q[p[i]] == i) }
        #expect(set["P"] == (try Permutation(q)).inverse)
        #expect(objectives["P"]! > 0)
    }

    @Test func rejectsEmptyAndMisshapenInput() throws {
        #expect(throws: MgitError.self) { try ActivationMatching.match(["P": ActivationStatistics(units: 3)]) }
        var stats = ActivationStatistics(units: 3)
        #expect(throws: MgitError.self) { try stats.add(a: [1, 2, 3, 4], b: [1, 2, 3, 4]) }
        #expect(throws: MgitError.self) { try stats.add(a: [1, 2, 3], b: [1, 2]) }
        #expect(throws: MgitError.self) { try stats.add(a: [1, .nan, 3], b: [1, 2, 3]) }
        // A constant unit gets correlation 0, not NaN.
        try stats.add(a: [1, 2, 3, 1, 5, 3], b: [4, 2, 3, 1, 2, 0])
        #expect(stats.score(.correlation).allSatisfy { $0.isFinite })
    }
}
