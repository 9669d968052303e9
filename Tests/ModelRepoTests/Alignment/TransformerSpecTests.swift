import Foundation
import Testing
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitNetworks
@testable import MgitAlignment

/// The built-in transformer specs: random function-preserving permutations really preserve the function
/// (an exact identity, up to float summation order), move bytes exactly, and survive a JSON round trip.
@Suite struct TransformerSpecTests {
    static let cases: [(String, TransformerConfig)] = [
        ("bert", TransformerFixtures.config(.bert, lmHead: false)),
        ("bert-mlm", TransformerFixtures.config(.bert, lmHead: true)),
        ("gpt2", TransformerFixtures.config(.gpt2)),
        ("llama-gqa-untied", TransformerFixtures.config(.llama, heads: 4, kvHeads: 2, tied: false)),
        ("llama-mha-tied-bias", TransformerFixtures.config(.llama, heads: 2, kvHeads: 2, headDim: 6, bias: true)),
    ]

    @Test(arguments: 0..<5)
    func randomPermutationsPreserveTheFunction(_ index: Int) throws {
        let (name, config) = Self.cases[index]
        let checkpoint = TransformerFixtures.checkpoint(config, seed: UInt64(10 + index))
        let spec = try PermutationSpec.transformer(config, checkpoint: checkpoint)
        let sizes = try spec.sizes(for: checkpoint)
        let permutations = spec.randomPermutations(sizes: sizes, seed: UInt64(index))
        try spec.checkHeads(of: permutations)
        let permuted = try spec.apply(permutations, to: checkpoint)
        // Every tensor the spec covers moved except 1-element ones; the rest are byte-identical.
        for tensorName in checkpoint.names where spec.axes[tensorName] == nil {
            #expect(permuted[tensorName] == checkpoint[tensorName], "\(name): \(tensorName) changed")
        }
        #expect(permuted[config.prefix + (config.family == .gpt2 ? "h.1.attn.c_attn.weight" : config.family == .bert
            ? "encoder.layer.1.attention.self.query.weight" : "layers.1.self_attn.q_proj.weight")] !=
            checkpoint[config.prefix + (config.family == .gpt2 ? "h.1.attn.c_attn.weight" : config.family == .bert
            ? "encoder.layer.1.attention.self.query.weight" : "layers.1.self_attn.q_proj.weight")])
        let tokens = TransformerFixtures.tokens(batch: 2, length: 6, vocab: config.vocabSize, seed: 5,
                                                types: config.typeVocabSize)
        let check = try FunctionCheck.run(transformer: config, original: checkpoint, permuted: permuted,
                                          residual: permutations[PermutationSpec.residualPermutation], tokens: tokens)
        #expect(check.passed && check.maxRelativeDifference < 1e-5, "\(name): \(check.maxRelativeDifference)")
        // Forgetting the residual permutation when comparing hidden states is caught.
        let naive = try FunctionCheck.run(transformer: config, original: checkpoint, permuted: permuted,
                                          residual: nil, tokens: tokens)
        #expect(!naive.passed, "\(name)")
        #expect(try spec.apply(permutations.inverse, to: permuted) == checkpoint)
        // The head structure is what the family allows.
        let qk = spec.headStructures["P_qk.0"]
        #expect(qk?.heads == config.kvHeads && qk?.withinFixed == (config.family == .llama))
        #expect(spec.headStructures["P_vo.1"]?.sameHeadsAs == "P_qk.1")
        #expect(sizes["P_qk.0"] == config.kvHeads * config.headDim && sizes["P_mlp.1"] == config.intermediateSize)
    }

    /// RoPE pins the order inside Llama's Q/K heads: a permutation that reorders one is refused, and the
    /// refusal is right: applied anyway, the function changes.
    @Test func ropeForbidsWithinHeadPermutationsOfQueriesAndKeys() throws {
        let config = TransformerFixtures.config(.llama, heads: 4, kvHeads: 2)
        let checkpoint = TransformerFixtures.checkpoint(config, seed: 3)
        let spec = try PermutationSpec.transformer(config, checkpoint: checkpoint)
        var permutations = try PermutationSet.identity(for: spec, checkpoint: checkpoint)
        permutations["P_qk.0"] = try Permutation([1, 0, 2, 3, 4, 5, 6, 7]) // inside kv head 0
        let error = mgitError { _ = try spec.apply(permutations, to: checkpoint) }
        #expect(error?.code == .invalidInput && error?.message.contains("pinned (RoPE)") == true)
        let free = try PermutationSpec(axes: spec.axes, inputAxes: spec.inputAxes, outputAxes: spec.outputAxes,
                                       headStructures: spec.headStructures.mapValues { .init(heads: $0.heads) })
        let permuted = try free.apply(permutations, to: checkpoint)
        let tokens = TransformerFixtures.tokens(batch: 1, length: 6, vocab: config.vocabSize, seed: 1)
        let check = try FunctionCheck.run(transformer: config, original: checkpoint, permuted: permuted,
                                          residual: nil, tokens: tokens)
        #expect(check.maxRelativeDifference > 1e-3)

        permutations["P_qk.0"] = try Permutation([4, 5, 6, 7, 0, 1, 2, 3]) // swaps the kv heads
        #expect(mgitError { _ = try spec.apply(permutations, to: checkpoint) }?.message
            .contains("must move heads as 'P_qk.0'") == true)
        permutations["P_vo.0"] = try Permutation([4, 6, 5, 7, 1, 0, 2, 3]) // same heads, free inside
        let swapped = try spec.apply(permutations, to: checkpoint)
        #expect(try FunctionCheck.run(transformer: config, original: checkpoint, permuted: swapped, residual: nil,
                                      tokens: tokens).passed)
        permutations["P_vo.0"] = try Permutation([4, 0, 5, 7, 6, 1, 2, 3]) // splits a head
        #expect(mgitError { _ = try spec.apply(permutations, to: checkpoint) }?.message.contains("splits a head") == true)
    }

    @Test(arguments: 0..<5)
    func specJSONRoundTrips(_ index: Int) throws {
        let (_, config) = Self.cases[index]
        let checkpoint = TransformerFixtures.checkpoint(config, seed: 1)
        let spec = try PermutationSpec.transformer(config, checkpoint: checkpoint)
        let text = spec.jsonString()
        let parsed = try PermutationSpec(json: text)
        #expect(parsed == spec)
        #expect(parsed.jsonString() == text)
    }

    /// Without config.json the head split is a guess, so the spec permutes only the residual stream and the
    /// MLPs, which preserve the function whatever the heads.
    @Test func specFromTensorNamesLeavesHeadsAlone() throws {
        let config = TransformerFixtures.config(.gpt2, d: 16, heads: 4)
        let checkpoint = TransformerFixtures.checkpoint(config, seed: 8)
        let guessed = try TransformerConfig.detect(config: nil, checkpoint: checkpoint)
        #expect(!guessed.headsKnown && guessed.heads == 1)
        let spec = try PermutationSpec.transformer(guessed, checkpoint: checkpoint)
        #expect(spec.permutationNames == ["P_mlp.0", "P_mlp.1", "P_res"] && spec.headStructures.isEmpty)
        let permutations = spec.randomPermutations(sizes: try spec.sizes(for: checkpoint), seed: 2)
        let permuted = try spec.apply(permutations, to: checkpoint)
        let tokens = TransformerFixtures.tokens(batch: 2, length: 5, vocab: config.vocabSize, seed: 3)
        let check = try FunctionCheck.run(transformer: config, original: checkpoint, permuted: permuted,
                                          residual: permutations["P_res"], tokens: tokens)
        #expect(check.passed)
    }

    /// The documented hand-written GQA spec (docs/PERMUTATION-SPECS.md) parses to the built-in one.
    @Test func handWrittenLlamaSpecEqualsTheBuiltIn() throws {
        let config = TransformerFixtures.config(.llama, d: 16, layers: 2, heads: 4, kvHeads: 2, tied: true)
        let checkpoint = TransformerFixtures.checkpoint(config, seed: 1)
        let json = """
        {
          "format": 1,
          "input": [["model.embed_tokens.weight", 0]],
          "output": [["model.embed_tokens.weight", 0]],
          "tensors": {
            "model.embed_tokens.weight": [null, "P_res"],
            "model.norm.weight": ["P_res"]
          },
          "repeat": [
            {"for": {"l": [0, 1]},
             "permutations": {
               "P_qk.{l}": {"heads": 2, "within": "fixed"},
               "P_vo.{l}": {"heads": 2, "sameHeadsAs": "P_qk.{l}"}},
             "tensors": {
               "model.layers.{l}.input_layernorm.weight": ["P_res"],
               "model.layers.{l}.self_attn.q_proj.weight": [{"perm": "P_qk.{l}", "expand": 2}, "P_res"],
               "model.layers.{l}.self_attn.k_proj.weight": ["P_qk.{l}", "P_res"],
               "model.layers.{l}.self_attn.v_proj.weight": ["P_vo.{l}", "P_res"],
               "model.layers.{l}.self_attn.o_proj.weight": ["P_res", {"perm": "P_vo.{l}", "expand": 2}],
               "model.layers.{l}.post_attention_layernorm.weight": ["P_res"],
               "model.layers.{l}.mlp.gate_proj.weight": ["P_mlp.{l}", "P_res"],
               "model.layers.{l}.mlp.up_proj.weight": ["P_mlp.{l}", "P_res"],
               "model.layers.{l}.mlp.down_proj.weight": ["P_res", "P_mlp.{l}"]}}
          ]
        }
        """
        #expect(try PermutationSpec(json: json) == PermutationSpec.transformer(config, checkpoint: checkpoint))
        let fused = try PermutationSpec(json: """
            {"format": 1, "input": [["x", 0]], "output": [["x", 0]],
             "permutations": {"A": {"heads": 2}},
             "tensors": {"x": [null, {"fused": ["A", null, "B"]}]}}
            """)
        #expect(fused.axes["x"]?[1]?.parts.count == 3 && fused.hasHeadStructure)
        for bad in [#"{"heads": 0}"#, #"{"within": "fixed"}"#, #"{"heads": 2, "within": "loose"}"#] {
            #expect(mgitError {
                _ = try PermutationSpec(json: #"{"format": 1, "input": [["x", 0]], "output": [["x", 0]], "#
                                        + #""permutations": {"A": "# + bad + #"}, "tensors": {"x": [null, "A"]}}"#)
            }?.code == .invalidInput, "\(bad)")
        }
    }
}
