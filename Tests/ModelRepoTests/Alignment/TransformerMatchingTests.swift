import Foundation
import Testing
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitNetworks
@testable import MgitAlignment

/// Weight matching with heads brings a planted function-preserving permutation back exactly.
@Suite struct TransformerMatchingTests {
    /// B is A under a random function-preserving permutation (residual, MLP, heads, within heads); matching B
    /// to A must give back A's exact bytes.
    @Test(arguments: 0..<5)
    func plantedPermutationIsRecovered(_ index: Int) throws {
        let (name, config) = TransformerSpecTests.cases[index]
        let a = TransformerFixtures.checkpoint(config, seed: UInt64(30 + index))
        let spec = try PermutationSpec.transformer(config, checkpoint: a)
        let planted = spec.randomPermutations(sizes: try spec.sizes(for: a), seed: UInt64(7 + index))
        let b = try spec.apply(planted, to: a)
        #expect(b != a)
        let result = try TransformerMatching.match(a: a, b: b, spec: spec, seed: 1)
        #expect(result.report.converged, "\(name)")
        #expect(try spec.apply(result.permutations, to: b) == a, "\(name)")
        #expect(result.permutations == planted.inverse, "\(name)")
        #expect(result.report.objectiveAfter > result.report.objectiveBefore)
    }

    /// Two unrelated models: matching only ever raises ⟨θ_A, π(θ_B)⟩, and the result preserves B's function.
    @Test func independentModelsGetAFunctionPreservingAlignment() throws {
        let config = TransformerFixtures.config(.llama, heads: 4, kvHeads: 2, tied: false)
        let a = TransformerFixtures.checkpoint(config, seed: 1), b = TransformerFixtures.checkpoint(config, seed: 2)
        let spec = try PermutationSpec.transformer(config, checkpoint: a)
        var objectives: [Double] = []
        let result = try TransformerMatching.match(a: a, b: b, spec: spec, seed: 3) { objectives.append($0.objective) }
        #expect(zip(objectives, objectives.dropFirst()).allSatisfy { $0 <= $1 + 1e-6 * abs($1) })
        #expect(result.report.objectiveAfter > result.report.objectiveBefore)
        try spec.checkHeads(of: result.permutations)
        let aligned = try spec.apply(result.permutations, to: b)
        let tokens = TransformerFixtures.tokens(batch: 2, length: 5, vocab: config.vocabSize, seed: 4)
        #expect(try FunctionCheck.run(transformer: config, original: b, permuted: aligned,
                                      residual: result.permutations["P_res"], tokens: tokens).passed)
    }

    /// The target: all-MiniLM-L6-v2 permuted by a random function-preserving permutation (residual,
    /// 12 heads and within heads per layer, MLP) comes back to the original's exact bytes.
    @Test func allMiniLMPlantedPermutationComesBackByteForByte() throws {
        guard let folder = MiniLM.folder else { print("skipped: \(MiniLM.skipReason)"); return }
        let a = try SafeTensors.read(path: folder + "/model.safetensors")
        let config = try TransformerConfig.detect(configAt: folder + "/config.json", checkpoint: a)
        let spec = try PermutationSpec.transformer(config, checkpoint: a)
        let planted = spec.randomPermutations(sizes: try spec.sizes(for: a), seed: 2026)
        let b = try spec.apply(planted, to: a)
        let tokens = TransformerFixtures.tokens(batch: 2, length: 8, vocab: config.vocabSize, seed: 1, types: 2)
        #expect(try FunctionCheck.run(transformer: config, original: a, permuted: b,
                                      residual: planted["P_res"], tokens: tokens).passed)
        let result = try TransformerMatching.match(a: a, b: b, spec: spec, seed: 0)
        let back = try spec.apply(result.permutations, to: b)
        #expect(back == a)
        print("all-MiniLM-L6-v2 matching: \(result.report.sweeps) sweeps, \(result.report.seconds) s")
    }
}
