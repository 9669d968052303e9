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

@Suite struct WeightMatchingTests {
    /// `Σ ⟨θ, θ⟩` over the tensors `spec` covers, in `Double`.
    func squaredNorm(_ c: Checkpoint, _ spec: PermutationSpec) -> Double {
        spec.tensorNames.reduce(0.0) { total, name in
            total + c[name]!.floats().reduce(0.0) { $0 + Double($1) * Double($1) }
        }
    }

    /// `Σ ⟨θ_A, θ_B⟩` over the tensors `spec` covers, naive.
    func inner(_ a: Checkpoint, _ b: Checkpoint, _ spec: PermutationSpec) -> Double {
        spec.tensorNames.reduce(0.0) { total, name in
            total + zip(a[name]!.floats(), b[name]!.floats()).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
    }

    @Test(arguments: ["mlp", "resnet-batch", "resnet-layer", "vgg"])
    func permutedCopyIsMatchedBackExactly(kind: String) throws {
        let a = switch kind {
        case "mlp": AlignmentFixtures.mlp([10, 24, 24, 24, 4], seed: 20)
        case "resnet-batch": AlignmentFixtures.resnet20(width: 1, norm: .batch, seed: 21)
        case "resnet-layer": AlignmentFixtures.resnet20(width: 1, norm: .layer, seed: 22)
        default: AlignmentFixtures.vgg(seed: 23)
        }
        let spec = try PermutationSpec.builtin(for: a)
        let (b, planted) = try AlignmentFixtures.randomlyPermuted(a, spec: spec, seed: 24)
        let result = try WeightMatching.match(a: a, b: b, spec: spec, seed: 1)
        // Matching undoes the planted permutations, so B permuted equals A bit for bit.
        #expect(result.permutations == planted.inverse)
        #expect(try spec.apply(result.permutations, to: b) == a)
        let norm = squaredNorm(a, spec)
        #expect(abs(result.report.objectiveAfter - norm) <= 1e-9 * norm)
        #expect(abs(result.report.objectiveBefore - inner(a, b, spec)) <= 1e-9 * norm)
        #expect(result.report.converged)
    }

    @Test func sameSeedGivesTheSamePermutationsAndTheObjectiveNeverDecreases() throws {
        let a = AlignmentFixtures.mlp([12, 32, 32, 32, 5], seed: 30)
        let b = AlignmentFixtures.mlp([12, 32, 32, 32, 5], seed: 31)
        let spec = try PermutationSpec.builtin(for: a)
        var seen: [WeightMatching.Progress] = []
        let first = try WeightMatching.match(a: a, b: b, spec: spec, seed: 5) { seen.append($0) }
        let second = try WeightMatching.match(a: a, b: b, spec: spec, seed: 5)
        #expect(first.permutations == second.permutations)
        #expect(first.report.objectivePerSweep == second.report.objectivePerSweep)
        #expect(seen.map(\.objective) == first.report.objectivePerSweep)
        #expect(seen.count == first.report.sweeps)

        let objectives = [first.report.objectiveBefore] + first.report.objectivePerSweep
        let scale = squaredNorm(a, spec)
        for k in 1..<objectives.count {
            // Products are single precision, so allow rounding far below any real step.
            #expect(objectives[k] >= objectives[k - 1] - 1e-6 * scale, "sweep \(k)")
        }
        #expect(first.report.objectiveAfter > first.report.objectiveBefore)
        // The reported objective is the inner product of A with the permuted B.
        let permuted = try spec.apply(first.permutations, to: b)
        #expect(abs(inner(a, permuted, spec) - first.report.objectiveAfter) <= 1e-9 * scale)

        // A different seed visits permutations in another order; it must still reach a fixed point.
        let other = try WeightMatching.match(a: a, b: b, spec: spec, seed: 6)
        #expect(other.report.converged)
    }

    @Test func eachPermutationIsOptimalGivenTheOthersAtConvergence() throws {
        // At a fixed point no single permutation can improve: re-solve each one's assignment from scratch.
        let a = AlignmentFixtures.mlp([8, 16, 16, 3], seed: 40)
        let b = AlignmentFixtures.mlp([8, 16, 16, 3], seed: 41)
        let spec = try PermutationSpec.builtin(for: a)
        let result = try WeightMatching.match(a: a, b: b, spec: spec, seed: 2)
        #expect(result.report.converged)
        let perms = result.permutations
        for (k, name) in ["P_0", "P_1"].enumerated() {
            // S[i, j] from naive loops over fc(k+1) (inputs permuted by P_{k-1}) and fc(k+2) (outputs by P_{k+1}).
            let (w, wb) = (a["fc\(k + 1).weight"]!.floats(), b["fc\(k + 1).weight"]!.floats())
            let (bias, biasB) = (a["fc\(k + 1).bias"]!.floats(), b["fc\(k + 1).bias"]!.floats())
            let (v, vb) = (a["fc\(k + 2).weight"]!.floats(), b["fc\(k + 2).weight"]!.floats())
            let n = 16
            let fanIn = k == 0 ? 8 : 16
            let fanOut = k == 0 ? 16 : 3
            let pIn = k == 0 ? Array(0..<8) : perms["P_0"]!.indices
            let pOut = k == 0 ? perms["P_1"]!.indices : Array(0..<3)
            var score = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                for j in 0..<n {
                    var sum = Double(bias[i]) * Double(biasB[j])
                    for c in 0..<fanIn { sum += Double(w[i * fanIn + c]) * Double(wb[j * fanIn + pIn[c]]) }
                    for o in 0..<fanOut { sum += Double(v[o * n + i]) * Double(vb[pOut[o] * n + j]) }
                    score[i * n + j] = sum
                }
            }
            let best = try LinearAssignment.solve(maximizing: score, n: n)
            let current = (0..<n).reduce(0.0) { $0 + score[$1 * n + perms[name]!.indices[$1]] }
            #expect(best.objective <= current + 1e-5 * max(1, abs(current)), "\(name)")
        }
    }

    @Test func rejectsCheckpointsThatDoNotFit() throws {
        let a = AlignmentFixtures.mlp([6, 5, 3], seed: 50)
        let spec = try PermutationSpec.builtin(for: a)
        let wider = AlignmentFixtures.mlp([6, 7, 3], seed: 51)
        #expect(throws: MgitError.self) { try WeightMatching.match(a: a, b: wider, spec: spec) }
        var nan = a
        nan["fc1.weight"] = Tensor(shape: [5, 6], floats: [Float](repeating: .nan, count: 30))
        #expect(throws: MgitError.self) { try WeightMatching.match(a: a, b: nan, spec: spec) }
    }
}
