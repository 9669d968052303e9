internal import CBLAS
import Foundation

/// Activation matching (Ainsworth et al. 2023, §3.1): run both models on the same data, correlate each hidden
/// unit of A with each of B, and solve one linear assignment per permutation on the correlations.
///
/// An activation of layer `X` (`fc1`, `layer2.0.conv1`) belongs to the permutation acting on axis 0 of
/// `X.weight`; when several activations share one permutation (a residual stream), their correlation matrices
/// are summed, so the assignment matches the stream as a whole.
public enum ActivationMatching {
    /// Matches `b` to `a` on `inputs`.
    ///
    /// - Parameters:
    ///   - inputs: Shape `[n, inputSize]`, the samples both networks see.
    /// - Returns: the permutations and a report whose objective is `Σ ⟨θ_A, π(θ_B)⟩` (as weight matching's),
    ///   so the two methods can be compared.
    public static func match(a: Checkpoint, b: Checkpoint, spec: PermutationSpec, architecture: ArchitectureSpec,
                             inputs: FloatMatrix) throws -> WeightMatching.Result {
        let start = Date()
        let sizes = try spec.sizes(for: a)
        _ = try spec.sizes(for: b)
        let networkA = try makeNetwork(architecture, a), networkB = try makeNetwork(architecture, b)
        guard inputs.columns == networkA.inputSize else {
            throw MgitError(.mismatch, "the data has \(inputs.columns) features per sample but the network takes \(networkA.inputSize)")
        }
        let actsA = networkA.forward(inputs, recordingActivations: true).activations
        let actsB = networkB.forward(inputs, recordingActivations: true).activations
        var correlations: [String: [Double]] = [:]
        for (x, y) in zip(actsA, actsB) {
            precondition(x.name == y.name)
            guard let perm = spec.axes[x.name + ".weight"]?.first??.permutation, let n = sizes[perm],
                  x.values.columns == n else { continue }
            let c = correlation(x.values, y.values)
            correlations[perm] = correlations[perm].map { zip($0, c).map(+) } ?? c
        }
        var permutations = PermutationSet(sizes.mapValues { Permutation.identity($0) })
        var solved = 0
        for name in spec.permutationNames {
            guard let score = correlations[name] else {
                throw MgitError(.mismatch, "no recorded activation belongs to permutation '\(name)': activation matching "
                                + "needs the network's hidden activations; use --method weight")
            }
            let solution = try LinearAssignment.solve(maximizing: score, n: sizes[name]!)
            permutations.permutations[name] = try Permutation(solution.assignment)
            solved += 1
        }
        let problem = try MatchingProblem(a: a, b: b, spec: spec, sizes: sizes)
        let identity = PermutationSet(sizes.mapValues { Permutation.identity($0) })
        let before = problem.objective(identity), after = problem.objective(permutations)
        let report = WeightMatching.Report(objectiveBefore: before, objectiveAfter: after, objectivePerSweep: [after],
                                           sweeps: 1, converged: true, assignmentsSolved: solved,
                                           seconds: Date().timeIntervalSince(start))
        return WeightMatching.Result(permutations: permutations, report: report)
    }

    /// Pearson correlation of every column of `x` with every column of `y`, row-major `[units, units]`.
    ///
    /// - Parameters:
    ///   - x: Shape `[samples, units]`.
    ///   - y: Shape `[samples, units]`.
    static func correlation(_ x: FloatMatrix, _ y: FloatMatrix) -> [Double] {
        let m = x.rows, n = x.columns
        func standardized(_ z: FloatMatrix) -> [Float] {
            var out = z.values
            for j in 0..<n {
                var mean = 0.0
                for i in 0..<m { mean += Double(out[i * n + j]) }
                mean /= Double(max(m, 1))
                var variance = 0.0
                for i in 0..<m { let d = Double(out[i * n + j]) - mean; variance += d * d }
                // A dead unit (constant activation) correlates with nothing; its column becomes zero.
                let scale = variance > 0 ? 1 / (variance / Double(max(m, 1))).squareRoot() : 0
                for i in 0..<m { out[i * n + j] = Float((Double(out[i * n + j]) - mean) * scale) }
            }
            return out
        }
        let sx = standardized(x), sy = standardized(y)
        var c = [Float](repeating: 0, count: n * n)
        // c = sxᵀ · sy / m
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(n), Int32(n), Int32(m),
                    1 / Float(max(m, 1)), sx, Int32(n), sy, Int32(n), 0, &c, Int32(n))
        return c.map(Double.init)
    }
}
