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

/// Kinds of score matrices that stress different parts of the solver.
enum ScoreKind: String, CaseIterable, Sendable {
    case uniform, negative, smallIntegers, constantRows, allEqual, similarity, planted
}

/// Makes an `[n, n]` score matrix of `kind`.
func makeScores(_ kind: ScoreKind, n: Int, generator g: inout SeededGenerator) -> [Double] {
    switch kind {
    case .uniform:
        return (0..<n * n).map { _ in g.nextUnit() }
    case .negative:
        return (0..<n * n).map { _ in -1000 * g.nextUnit() - 5 }
    case .smallIntegers:
        // Many ties.
        return (0..<n * n).map { _ in Double(Int(g.next() % 3)) - 1 }
    case .constantRows:
        let rows = (0..<n).map { _ in Double(Int(g.next() % 5)) }
        return (0..<n * n).map { rows[$0 / n] }
    case .allEqual:
        return [Double](repeating: 2.5, count: n * n)
    case .similarity:
        let d = 4
        let a = (0..<n * d).map { _ in g.nextGaussian() }
        let b = (0..<n * d).map { _ in g.nextGaussian() }
        return (0..<n * n).map { k in
            let (i, j) = (k / n, k % n)
            return (0..<d).reduce(0.0) { $0 + a[i * d + $1] * b[j * d + $1] }
        }
    case .planted:
        let p = g.permutation(n)
        var s = (0..<n * n).map { _ in 0.3 * g.nextGaussian() }
        for i in 0..<n { s[i * n + p[i]] += 1 }
        return s
    }
}

/// The best objective over all permutations, by enumeration (Heap's algorithm).
func bruteForceBest(_ s: [Double], n: Int) -> Double {
    var p = Array(0..<n)
    var best = -Double.infinity
    func visit() { best = max(best, (0..<n).reduce(0.0) { $0 + s[$1 * n + p[$1]] }) }
    var c = [Int](repeating: 0, count: n)
    visit()
    var i = 0
    while i < n {
        if c[i] < i {
            if i % 2 == 0 { p.swapAt(0, i) } else { p.swapAt(c[i], i) }
            visit()
            c[i] += 1
            i = 0
        } else {
            c[i] = 0
            i += 1
        }
    }
    return best
}

/// Checks the LP certificate: `u[i] + v[j] ≥ s[i, j]`, equality on the assignment, objective = Σu + Σv.
func expectCertificate(_ r: LinearAssignment, _ s: [Double], n: Int, tolerance: Double = 1e-9) {
    let scale = max(1, s.map(abs).max() ?? 1)
    let tol = tolerance * scale
    #expect(Set(r.assignment) == Set(0..<n))
    var worst = 0.0
    for i in 0..<n {
        for j in 0..<n { worst = min(worst, r.rowDuals[i] + r.columnDuals[j] - s[i * n + j]) }
        #expect(abs(r.rowDuals[i] + r.columnDuals[r.assignment[i]] - s[i * n + r.assignment[i]]) <= tol)
    }
    #expect(worst >= -tol, "a reduced cost is negative: \(worst)")
    let dualSum = r.rowDuals.reduce(0, +) + r.columnDuals.reduce(0, +)
    #expect(abs(dualSum - r.objective) <= tol * Double(n))
    let direct = (0..<n).reduce(0.0) { $0 + s[$1 * n + r.assignment[$1]] }
    #expect(abs(direct - r.objective) <= tol * Double(n))
}

@Suite struct LinearAssignmentTests {
    @Test(arguments: ScoreKind.allCases)
    func matchesBruteForceOnSmallMatrices(kind: ScoreKind) throws {
        var g = SeededGenerator(seed: 7 + UInt64(kind.rawValue.count))
        for n in 1...8 {
            for _ in 0..<(n <= 6 ? 12 : (n == 7 ? 3 : 1)) {
                let s = makeScores(kind, n: n, generator: &g)
                let best = bruteForceBest(s, n: n)
                let r = try LinearAssignment.solve(maximizing: s, n: n)
                #expect(abs(r.objective - best) <= 1e-9 * max(1, abs(best)), "n=\(n) \(kind)")
                expectCertificate(r, s, n: n)

                // The Float entry point on the same values rounded to Float.
                let f = s.map(Float.init)
                let fd = f.map(Double.init)
                let rf = try LinearAssignment.solve(maximizing: f, n: n)
                let bestF = bruteForceBest(fd, n: n)
                #expect(abs(rf.objective - bestF) <= 1e-9 * max(1, abs(bestF)), "n=\(n) \(kind) Float")
                expectCertificate(rf, fd, n: n)
            }
        }
    }

    @Test(arguments: [50, 200], ScoreKind.allCases)
    func certifiesOptimalityOnLargerMatrices(n: Int, kind: ScoreKind) throws {
        var g = SeededGenerator(seed: UInt64(n) * 31 + UInt64(kind.rawValue.count))
        let s = makeScores(kind, n: n, generator: &g)
        let r = try LinearAssignment.solve(maximizing: s, n: n)
        expectCertificate(r, s, n: n)
    }

    @Test(arguments: [1, 2, 9, 64, 120], [ScoreKind.similarity, .smallIntegers, .uniform])
    func warmStartAgreesWithColdStartOnPerturbedMatrix(n: Int, kind: ScoreKind) throws {
        var g = SeededGenerator(seed: UInt64(n) + 100)
        let s = makeScores(kind, n: n, generator: &g)
        let first = try LinearAssignment.solve(maximizing: s, n: n)
        // Identical problem: every pair stays tight, nothing is re-augmented.
        let again = try LinearAssignment.solve(maximizing: s, n: n, warmStart: .init(first))
        #expect(again.assignment == first.assignment)
        #expect(again.augmentedRows == 0)

        for scale in [1e-3, 0.1, 1.0] {
            let t = s.map { $0 + scale * g.nextGaussian() }
            let cold = try LinearAssignment.solve(maximizing: t, n: n)
            let warm = try LinearAssignment.solve(maximizing: t, n: n, warmStart: .init(first))
            let noDuals = try LinearAssignment.solve(
                maximizing: t, n: n, warmStart: .init(assignment: first.assignment))
            let shuffled = try LinearAssignment.solve(
                maximizing: t, n: n, warmStart: .init(assignment: g.permutation(n), columnDuals: first.columnDuals))
            for r in [warm, noDuals, shuffled] {
                #expect(abs(r.objective - cold.objective) <= 1e-9 * max(1, abs(cold.objective)))
                expectCertificate(r, t, n: n)
            }
        }
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity, 1e31, -1e300])
    func rejectsNonFiniteScoresNamingTheEntry(bad: Double) {
        var s = [Double](repeating: 1, count: 16)
        s[2 * 4 + 3] = bad
        #expect {
            try LinearAssignment.solve(maximizing: s, n: 4)
        } throws: { error in
            guard let e = error as? MgitError else { return false }
            return e.code == .invalidInput && e.message.contains("score[2, 3]")
        }
        #expect(throws: MgitError.self) { try LinearAssignment.solve(maximizing: s.map(Float.init), n: 4) }
    }

    @Test func rejectsBadShapesAndWarmStarts() throws {
        #expect(throws: MgitError.self) { try LinearAssignment.solve(maximizing: [1.0, 2, 3], n: 2) }
        let s: [Double] = [1, 2, 3, 4]
        #expect(throws: MgitError.self) {
            try LinearAssignment.solve(maximizing: s, n: 2, warmStart: .init(assignment: [0, 0]))
        }
        #expect(throws: MgitError.self) {
            try LinearAssignment.solve(maximizing: s, n: 2, warmStart: .init(assignment: [0, 1], columnDuals: [1]))
        }
        let empty = try LinearAssignment.solve(maximizing: [Double](), n: 0)
        #expect(empty.assignment.isEmpty && empty.objective == 0)
    }

    @Test func tiesAreResolvedWithoutSearching() throws {
        // With every score equal, each row can take any free column at once: no shortest-path searches.
        // (Preferring a free column among tied ones is what keeps tie-heavy matrices O(n²) instead of O(n³).)
        let n = 300
        let r = try LinearAssignment.solve(maximizing: [Double](repeating: 1, count: n * n), n: n)
        #expect(r.augmentedRows == 0)
        #expect(Set(r.assignment).count == n && r.objective == Double(n))
    }

    @Test func planted3x3HasKnownAnswer() throws {
        // Rows prefer columns 2, 0, 1 strongly.
        let s: [Double] = [0, 1, 9,
                           8, 0, 1,
                           1, 7, 0]
        let r = try LinearAssignment.solve(maximizing: s, n: 3)
        #expect(r.assignment == [2, 0, 1])
        #expect(r.objective == 24)
    }
}
