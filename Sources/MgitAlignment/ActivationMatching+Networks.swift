import Foundation
import MgitInterop
import MgitTensor
import MgitNetworks

extension ActivationMatching {
    /// Matches `b` to `a` from their hidden activations on `inputs` (§3.1), for a network mgit can run.
    ///
    /// An activation of layer `X` (`fc1`, `layer2.0.conv2`) belongs to the permutation acting on axis 0 of
    /// `X.weight`; activations sharing a permutation (a residual stream) are pooled as more samples.
    ///
    /// - Parameter inputs: Shape `[n, inputSize]`, the samples both networks see.
    /// - Returns: the permutations, with a report whose objective is `Σ ⟨θ_A, π(θ_B)⟩` as for weight matching,
    ///   so the two methods compare.
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
        var statistics: [String: ActivationStatistics] = [:]
        for (x, y) in zip(actsA, actsB) {
            precondition(x.name == y.name)
            guard let perm = spec.axes[x.name + ".weight"]?.first??.permutation, let n = sizes[perm],
                  x.values.columns == n else { continue }
            try statistics[perm, default: ActivationStatistics(units: n)].add(a: x.values.values, b: y.values.values)
        }
        for name in spec.permutationNames where statistics[name] == nil {
            throw MgitError(.mismatch, "no recorded activation belongs to permutation '\(name)': activation matching "
                            + "needs the network's hidden activations; use weight matching", parameter: "method")
        }
        let (permutations, _) = try match(statistics, criterion: .correlation)
        let problem = try MatchingProblem(a: a, b: b, spec: spec, sizes: sizes)
        let identity = PermutationSet(sizes.mapValues { Permutation.identity($0) })
        let after = problem.objective(permutations)
        let report = WeightMatching.Report(objectiveBefore: problem.objective(identity), objectiveAfter: after,
                                           objectivePerSweep: [after], sweeps: 1, converged: true,
                                           assignmentsSolved: statistics.count, seconds: Date().timeIntervalSince(start))
        return WeightMatching.Result(permutations: permutations, report: report)
    }
}
