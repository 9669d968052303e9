import Foundation
import Testing
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitNetworks
@testable import MgitHooks
@testable import MgitMerge

/// mergekit configs read into recipes, for every method, and written back.
@Suite struct MergeRecipeYAMLTests {
    @Test func readsATiesConfigWithFiltersGradientsAndDTypes() throws {
        let recipe = try MergeRecipe(mergekitYAML: """
            models:
              - model: base
                # no parameters necessary for the base model
              - model: math
                parameters:
                  density: [1, 0.7, 0.1]   # a gradient over the layers
                  weight: 1.0
              - model: code
                parameters:
                  density: 0.5
                  weight:
                    - filter: mlp
                      value: 0.5
                    - value: 0
            merge_method: ties
            base_model: base
            parameters:
              normalize: true
              int8_mask: true
            dtype: bfloat16
            out_dtype: float16
            """)
        #expect(recipe.method == .ties && recipe.base == "base")
        #expect(recipe.inputs.map(\.model) == ["math", "code"])
        #expect(recipe.inputs[0].parameters["density"] == .gradient([.number(1), .number(0.7), .number(0.1)]))
        #expect(recipe.inputs[1].parameters["weight"] == .conditional([.init(filter: "mlp", value: .number(0.5)),
                                                                       .init(filter: nil, value: .number(0))]))
        #expect(recipe.dtype == .bf16 && recipe.outputDType == .f16 && recipe.seed == 0)
        let p = try recipe.parameters(forTensor: "model.layers.1.mlp.down_proj.weight", layers: 3)
        #expect(p.weights == [1, 0.5] && p.normalize)
        #expect(abs(p.densities[0] - 0.7) < 1e-12 && p.densities[1] == 0.5)
        #expect(try recipe.parameters(forTensor: "model.layers.2.self_attn.o_proj.weight", layers: 3).weights == [1, 0])
    }

    @Test(arguments: [
        ("linear", "  - model: a\n    parameters: {weight: 0.25}\n  - model: b\n    parameters: {weight: 0.75}\n", MergeMethod.linear, ["a", "b", "base"]),
        ("task_arithmetic", "  - model: a\n  - model: b\n", .taskArithmetic, ["a", "b"]),
        ("ties", "  - model: a\n  - model: b\n", .ties, ["a", "b"]),
        ("dare_linear", "  - model: a\n  - model: b\n", .dareLinear, ["a", "b"]),
        ("dare_ties", "  - model: a\n  - model: b\n", .dareTies, ["a", "b"]),
        ("slerp", "  - model: base\n  - model: b\n", .slerp, ["base", "b"]),
        ("model_stock", "  - model: a\n  - model: b\n  - model: base\n", .modelStock, ["a", "b"]),
    ])
    func everyMethodsConfigReadsAndRoundTrips(name: String, models: String, method: MergeMethod, inputs: [String]) throws {
        let yaml = "merge_method: \(name)\nbase_model: base\nmodels:\n\(models)parameters:\n  lambda: 0.9\n  t: 0.3\n"
        // Each method is given only the global parameters it reads.
        let keep = Set(method.parameterNames)
        let filtered = yaml.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
            !(line.hasPrefix("  lambda") && !keep.contains("lambda")) && !(line.hasPrefix("  t:") && !keep.contains("t"))
        }.joined(separator: "\n")
        let recipe = try MergeRecipe(mergekitYAML: filtered + (method.isRandom ? "seed: 99\n" : ""))
        #expect(recipe.method == method)
        #expect(recipe.inputs.map(\.model) == inputs)
        #expect(recipe.base == (method.needsBase ? "base" : nil))
        if method.isRandom { #expect(recipe.seed == 99) }
        // linear: mergekit merges a base_model that is not listed as one more model.
        if method == .linear { #expect(try recipe.parameters(forTensor: "x", layers: 0).weights == [0.25, 0.75, 1]) }
        if method == .slerp { #expect(try recipe.parameters(forTensor: "x", layers: 0).t == 0.3) }
        // Written back out, it reads as the same recipe.
        let again = try MergeRecipe(mergekitYAML: recipe.mergekitYAML())
        #expect(again == recipe, "\(recipe.mergekitYAML())")
    }

    @Test func writesWhatPyYAMLReadsAsNumbers() throws {
        let recipe = MergeRecipe(method: .dareTies, base: "0123abc", inputs: [.init(model: "true", parameters: ["weight": .number(1e-5)])],
                                 parameters: ["density": .number(0.5), "rescale": .text("inverse_density")], seed: 5)
        let yaml = recipe.mergekitYAML()
        #expect(yaml.contains("weight: 1.0e-05"))
        #expect(yaml.contains("- model: \"true\""))
        #expect(yaml.contains("seed: 5"))
        #expect(try MergeRecipe(mergekitYAML: yaml) == recipe)
    }

    @Test(arguments: [
        ("merge_method: ties\nslices:\n  - sources: []\n", "slices"),
        ("merge_method: ties\nbase_model: a\nmodels:\n  - model: b\ntokenizer_source: union\n", "tokenizer_source"),
        ("merge_method: nuslerp\nmodels:\n  - model: a\n", "nuslerp"),
        ("models:\n  - model: a\n", "merge_method"),
        ("merge_method: ties\nbase_model: a\nmodels:\n  - model: b\nparameters:\n  t: 0.5\n", "no parameter 't'"),
        ("merge_method: slerp\nbase_model: a\nmodels:\n  - model: a\n  - model: b\n  - model: c\n", "at most 2"),
        ("merge_method: ties\nbase_model: a\nmodels:\n  - model: b\nmystery: 1\n", "unknown key 'mystery'"),
        ("merge_method: ties\nmodels: [\n", "not valid YAML"),
    ])
    func refusesWhatItCannotHonour(yaml: String, says: String) {
        do {
            _ = try MergeRecipe(mergekitYAML: yaml)
            Issue.record("accepted: \(yaml)")
        } catch let error as MgitError {
            #expect(error.code == .invalidInput && error.message.contains(says), "\(error.message)")
        } catch {
            Issue.record("\(error)")
        }
    }

    /// Found by `scripts/fuzz` (target config): a mapping used as a key made Yams trap. Now one clear error each.
    @Test(arguments: [
        "merge_methodeters:\n?  t:\n    - filter: self_attn\n      val$ue: [0, 0.5, 0.3, 0.7, 1]\n    - value: 0.5\ndtype: float64\n",
        "? [a, b]\n: linear\n",
        "merge_method: &m linear\nmodels:\n  - model: *m\n",
    ])
    func refusesShapesTheLoaderCannotTakeSafely(text: String) {
        do {
            _ = try MergeRecipe(mergekitYAML: text)
            Issue.record("accepted: \(text)")
        } catch let error as MgitError {
            #expect(error.code == .invalidInput, "\(error)")
        } catch {
            Issue.record("\(error)")
        }
    }
}
