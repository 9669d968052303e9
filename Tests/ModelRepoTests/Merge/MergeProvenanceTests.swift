import Foundation
import Testing
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitNetworks
@testable import MgitHooks
@testable import MgitMerge

/// What a merge records is enough to recompute it bit for bit, and to describe it on a model card.
@Suite struct MergeProvenanceTests {
    private let ids = ["1111111111111111111111111111111111111aaa", "2222222222222222222222222222222222222bbb",
                       "3333333333333333333333333333333333333ccc"]

    private func model(_ shift: Float, _ seed: UInt64) -> Checkpoint {
        var generator = SeededGenerator(seed: seed)
        var c = Checkpoint()
        c["model.layers.0.mlp.w"] = Tensor(shape: [8, 4], floats: (0..<32).map { _ in Float(generator.nextIndex(below: 999)) / 999 + shift })
        c["model.layers.1.self_attn.w"] = Tensor(shape: [16], floats: (0..<16).map { _ in Float(generator.nextIndex(below: 999)) / 999 }, dtype: .bf16)
        return c
    }

    @Test func theRecordedConfigRecomputesTheSameBytes() throws {
        let recipe = MergeRecipe(
            method: .dareTies, base: "main~2",
            inputs: [.init(model: "math", parameters: ["weight": .number(0.7)]),
                     .init(model: "code", parameters: ["density": .gradient([.number(0.2), .number(0.9)])])],
            parameters: ["density": .number(0.5), "lambda": .number(1.2), "rescale": .text("inverse_density")],
            outputDType: .f16, seed: 77)
        let base = model(0, 1), math = model(0.1, 2), code = model(-0.1, 3)
        let (merged, report) = try CheckpointMerge(recipe: recipe).merge(base: base, inputs: [math, code])
        let provenance = MergeProvenance(recipe: recipe, base: ids[0], inputs: [ids[1], ids[2]], report: report, checked: true)

        // Through operation.json's JSON and back.
        let decoded = try JSONDecoder().decode(MergeProvenance.self, from: JSONEncoder().encode(provenance))
        #expect(decoded == provenance)
        #expect(decoded.report.merged.map(\.parameters.densities) == [[0.5, 0.2], [0.5, 0.9]])

        // The reproducing recipe names commits, keeps every setting, and merges to the same bytes.
        let again = try decoded.recipe()
        #expect(again.base == ids[0] && again.inputs.map(\.model) == [ids[1], ids[2]])
        #expect(again.parameters == recipe.parameters && again.inputs.map(\.parameters) == recipe.inputs.map(\.parameters))
        #expect(again.seed == 77 && again.outputDType == .f16)
        let (recomputed, _) = try CheckpointMerge(recipe: again).merge(base: base, inputs: [math, code])
        #expect(recomputed == merged)
    }

    @Test func theModelCardNamesTheInputsAndCarriesTheConfig() {
        let recipe = MergeRecipe(method: .slerp, inputs: [.init(model: "a"), .init(model: "b")], parameters: ["t": .number(0.3)])
        var report = MethodMergeReport(method: .slerp, seed: 0, threeWay: true)
        report.unchanged = 3
        let card = MergeProvenance(recipe: recipe, base: ids[0], inputs: [ids[1], ids[2]], report: report, checked: false)
            .modelCard(title: "a and b")
        #expect(card.hasPrefix("---\nbase_model:\n- \(ids[1])\n- \(ids[2])\nbase_model_relation: merge\ntags:\n- merge\n- mgit\n---\n"))
        #expect(card.contains("merge_method: slerp\nbase_model: \(ids[1])\n"))
        #expect(card.contains("3 tensors unchanged"))
        #expect(card.contains("--no-check"))
    }
}
