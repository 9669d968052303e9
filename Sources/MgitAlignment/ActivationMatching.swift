import MgitInterop

/// Activation matching (Ainsworth et al. 2023, §3.1): permutes model B's hidden units so that their
/// activations on the same inputs line up with model A's.
///
/// For each permutation the caller feeds the activations of the layer(s) it acts on, from both models on the
/// same samples, into one ``ActivationStatistics``; each permutation is then one linear assignment problem,
/// independent of the others. Layers sharing a permutation (a residual stream) are pooled as more samples.
public enum ActivationMatching {
    /// What to maximise between unit `i` of A and unit `j` of B.
    public enum Criterion: String, Sendable, CaseIterable {
        /// `Σ_s Z_A[s, i] · Z_B[s, j]`: the paper's objective `⟨Z_A, P Z_B⟩` (§3.1, least squares).
        case innerProduct = "inner-product"
        /// Pearson correlation of the two units over the samples, as the paper's code does; insensitive to
        /// each unit's scale and offset.
        case correlation
    }

    /// Solves one assignment problem per permutation.
    ///
    /// - Parameters:
    ///   - statistics: For each permutation name, the statistics of its activations in both models.
    ///   - criterion: What to maximise.
    /// - Returns: The permutations (`p[i]` = unit of B matched to unit `i` of A, to apply to model B with
    ///   ``PermutationSpec/apply(_:to:)``) and, per permutation, the criterion summed over matched pairs.
    /// - Throws: `MgitError(.invalidInput)` when some statistics have seen no samples.
    public static func match(
        _ statistics: [String: ActivationStatistics], criterion: Criterion = .correlation
    ) throws -> (permutations: PermutationSet, objectives: [String: Double]) {
        var permutations = PermutationSet()
        var objectives: [String: Double] = [:]
        for name in statistics.keys.sorted(by: naturallyPrecedes) {
            let s = statistics[name]!
            guard s.samples > 0 else {
                throw MgitError(.invalidInput, "no activations were recorded for permutation '\(name)'")
            }
            let solution = try LinearAssignment.solve(maximizing: s.score(criterion), n: s.units)
            permutations[name] = try Permutation(solution.assignment)
            objectives[name] = solution.objective
        }
        return (permutations, objectives)
    }
}

/// Running sums over samples of two models' activations for one permutation: means, variances and the
/// cross products `Σ_s a_s b_sᵀ`, accumulated in `Double` batch by batch.
public struct ActivationStatistics: Sendable {
    /// Units per sample (the permutation's size).
    public let units: Int
    /// Samples seen so far.
    public private(set) var samples = 0
    private var sumA: [Double]
    private var sumB: [Double]
    private var squaresA: [Double]
    private var squaresB: [Double]
    /// `Σ_s a_s[i] · b_s[j]`, shape `[units, units]`.
    private var cross: [Double]

    /// Empty statistics for `units` units.
    public init(units: Int) {
        precondition(units >= 0)
        self.units = units
        sumA = [Double](repeating: 0, count: units)
        sumB = sumA
        squaresA = sumA
        squaresB = sumA
        cross = [Double](repeating: 0, count: units * units)
    }

    /// Adds one batch of activations recorded on the same samples.
    ///
    /// - Parameters:
    ///   - a: Model A's activations, row-major `[samples, units]`.
    ///   - b: Model B's activations, row-major `[samples, units]`.
    /// - Throws: `MgitError(.mismatch)` when the counts do not fit `units`; `MgitError(.invalidInput)` for a
    ///   NaN or infinite activation.
    public mutating func add(a: [Float], b: [Float]) throws {
        guard units > 0 else { return }
        guard a.count == b.count, a.count % units == 0 else {
            throw MgitError(.mismatch, "activation batches of \(a.count) and \(b.count) values do not both hold "
                            + "whole samples of \(units) units")
        }
        if let k = a.firstIndex(where: { !$0.isFinite }) ?? b.firstIndex(where: { !$0.isFinite }) {
            throw MgitError(.invalidInput, "activation \(k) of the batch (sample \(k / units), unit \(k % units)) is "
                            + "not finite")
        }
        let m = a.count / units
        for s in 0..<m {
            for i in 0..<units {
                let (x, y) = (Double(a[s * units + i]), Double(b[s * units + i]))
                sumA[i] += x
                sumB[i] += y
                squaresA[i] += x * x
                squaresB[i] += y * y
            }
        }
        var product = [Float](repeating: 0, count: units * units)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                product.withUnsafeMutableBufferPointer { pc in
                    // Aᵀ·B: [units, m] · [m, units].
                    BLAS.gemm(units, units, m, pa.baseAddress!, lda: units, transposeA: true, pb.baseAddress!, ldb: units,
                              pc.baseAddress!, ldc: units)
                }
            }
        }
        for k in 0..<(units * units) { cross[k] += Double(product[k]) }
        samples += m
    }

    /// The score matrix of `criterion`, row-major `[units, units]`: row `i` is unit `i` of A.
    public func score(_ criterion: ActivationMatching.Criterion) -> [Double] {
        switch criterion {
        case .innerProduct:
            return cross
        case .correlation:
            let m = Double(max(samples, 1))
            let meanA = sumA.map { $0 / m }, meanB = sumB.map { $0 / m }
            // A constant unit has no correlation with anything; the epsilon keeps it at zero, not NaN.
            let deviationA = (0..<units).map { (max(0, squaresA[$0] / m - meanA[$0] * meanA[$0])).squareRoot() }
            let deviationB = (0..<units).map { (max(0, squaresB[$0] / m - meanB[$0] * meanB[$0])).squareRoot() }
            var out = [Double](repeating: 0, count: units * units)
            for i in 0..<units {
                for j in 0..<units {
                    let covariance = cross[i * units + j] / m - meanA[i] * meanB[j]
                    out[i * units + j] = covariance / (deviationA[i] * deviationB[j] + 1e-12)
                }
            }
            return out
        }
    }
}
