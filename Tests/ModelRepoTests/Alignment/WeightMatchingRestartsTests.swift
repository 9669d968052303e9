import Testing
@testable import ModelRepo

@Suite struct WeightMatchingRestartsTests {
    @Test(arguments: [UInt64(0), 7])
    func theFirstRunIsTheSingleRunAndTheBestIsNeverWorse(seed: UInt64) throws {
        let a = AlignmentFixtures.mlp([12, 32, 32, 32, 5], seed: 40)
        let b = AlignmentFixtures.mlp([12, 32, 32, 32, 5], seed: 41)
        let spec = try PermutationSpec.builtin(for: a)
        let single = try WeightMatching.match(a: a, b: b, spec: spec, seed: seed)
        let restarts = try WeightMatching.match(a: a, b: b, spec: spec, seed: seed, restarts: 5)
        #expect(restarts.runs.count == 5)
        #expect(restarts.runs[0].start == "identity" && restarts.runs[0].seed == seed)
        #expect(restarts.runs[0].objective == single.report.objectiveAfter)
        #expect(restarts.runs[0].sweeps == single.report.sweeps)
        #expect(restarts.best.report.objectiveAfter >= single.report.objectiveAfter)
        #expect(restarts.best.report.objectiveBefore == single.report.objectiveBefore)
        #expect(restarts.best.report.objectiveAfter == restarts.runs.map(\.objective).max())
        #expect(restarts.runs[restarts.bestRun].objective == restarts.best.report.objectiveAfter)
        #expect(restarts.worstObjective == restarts.runs.map(\.objective).min())
        // The kept permutations really reach the reported objective.
        let permuted = try spec.apply(restarts.best.permutations, to: b)
        let inner = spec.tensorNames.reduce(0.0) { total, name in
            total + zip(a[name]!.floats(), permuted[name]!.floats()).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        #expect(abs(inner - restarts.best.report.objectiveAfter) <= 1e-9 * abs(inner))
        if restarts.bestRun == 0 { #expect(restarts.best.permutations == single.permutations) }
    }

    @Test func sideBySideRunsGiveTheSameResultsAsOneAfterAnother() throws {
        let a = AlignmentFixtures.mlp([10, 24, 24, 4], seed: 50)
        let b = AlignmentFixtures.mlp([10, 24, 24, 4], seed: 51)
        let spec = try PermutationSpec.builtin(for: a)
        let serial = try WeightMatching.match(a: a, b: b, spec: spec, seed: 3, restarts: 4, lanes: 1)
        let parallel = try WeightMatching.match(a: a, b: b, spec: spec, seed: 3, restarts: 4, lanes: 2)
        #expect(serial.runs.map(\.objective) == parallel.runs.map(\.objective))
        #expect(serial.best.permutations == parallel.best.permutations)
        // Random starts explore: not every run lands on the same objective.
        #expect(Set(serial.runs.map(\.objective)).count > 1)
    }

    @Test func restartsBelowOneAreRefused() throws {
        let a = AlignmentFixtures.mlp([6, 8, 3], seed: 60)
        let spec = try PermutationSpec.builtin(for: a)
        #expect(throws: MgitError.self) { _ = try WeightMatching.match(a: a, b: a, spec: spec, restarts: 0) }
    }
}
