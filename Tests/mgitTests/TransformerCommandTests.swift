import Foundation
import ModelRepo
import Testing

/// `mgit spec` on a transformer checkpoint through the built binary.
@Suite struct TransformerCommandTests {
    /// A one-block GPT-2 (d 8, 2 heads, vocabulary 11) with Hugging Face names; no config.json is committed, so
    /// the spec comes from the tensor names and leaves heads alone.
    static func tinyGPT2() -> Checkpoint {
        var model = Checkpoint()
        func tensor(_ shape: [Int]) -> Tensor {
            Tensor(shape: shape, floats: (0..<shape.reduce(1, *)).map { Float(sin(Double($0) * 0.37)) })
        }
        model["transformer.wte.weight"] = tensor([11, 8])
        model["transformer.wpe.weight"] = tensor([6, 8])
        for name in ["ln_1", "ln_2"] {
            model["transformer.h.0.\(name).weight"] = tensor([8])
            model["transformer.h.0.\(name).bias"] = tensor([8])
        }
        for (name, shape) in [("attn.c_attn", [8, 24]), ("attn.c_proj", [8, 8]), ("mlp.c_fc", [8, 32]), ("mlp.c_proj", [32, 8])] {
            model["transformer.h.0.\(name).weight"] = tensor(shape)
            model["transformer.h.0.\(name).bias"] = tensor([shape[1]])
        }
        model["transformer.ln_f.weight"] = tensor([8])
        model["transformer.ln_f.bias"] = tensor([8])
        return model
    }

    @Test func specOfAGPT2CheckpointPermutesTheResidualStreamAndTheMLP() throws {
        let box = try Sandbox()
        try Fixtures.write(Self.tinyGPT2(), to: box.dir.file("gpt2.safetensors"))
        try box.mgit("commit", box.dir.file("gpt2.safetensors"), "-m", "tiny gpt2")
        let r = try box.mgit("spec", "HEAD")
        #expect(r.status == 0, "\(r.stderr)")
        let spec = try PermutationSpec(json: r.stdout)
        #expect(spec.permutationNames == ["P_mlp.0", "P_res"])
        #expect(spec.axes["transformer.h.0.mlp.c_fc.weight"] == [.init("P_res"), .init("P_mlp.0")])
        #expect(spec.axes["transformer.h.0.attn.c_attn.weight"] == [.init("P_res"), nil])
        #expect(spec.inputAxes.map(\.description) == ["tensor 'transformer.wte.weight' axis 0"])
    }

    /// A model folder's config.json (stored under files/) tells the head count, so the spec permutes heads too.
    @Test func specOfAGPT2FolderReadsItsConfigAndPermutesHeads() throws {
        let box = try Sandbox()
        let folder = box.dir.file("gpt2")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Fixtures.write(Self.tinyGPT2(), to: folder + "/model.safetensors")
        let config = #"{"model_type": "gpt2", "n_embd": 8, "n_head": 2, "n_layer": 1, "#
            + #""n_positions": 6, "n_inner": null, "vocab_size": 11, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new"}"#
        try Data(config.utf8).write(to: URL(fileURLWithPath: folder + "/config.json"))
        let committed = try box.mgit("commit", folder, "-m", "tiny gpt2 folder")
        #expect(committed.status == 0, "\(committed.stderr)")
        let r = try box.mgit("spec", "HEAD")
        #expect(r.status == 0, "\(r.stderr)")
        let spec = try PermutationSpec(json: r.stdout)
        #expect(spec.permutationNames.contains("P_qk.0") && spec.permutationNames.contains("P_vo.0"), "\(spec.permutationNames)")
    }

    /// `mgit rebase` of a transformer whose residual stream and MLP units were permuted brings back the
    /// original's exact bytes, with the transformer function check in its report.
    @Test func rebaseUndoesAPlantedPermutationOfAGPT2ByteForByte() throws {
        let box = try Sandbox()
        let a = Self.tinyGPT2()
        let spec = try PermutationSpec.builtin(for: a)
        let b = try spec.apply(spec.randomPermutations(sizes: try spec.sizes(for: a), seed: 5), to: a)
        #expect(b != a)
        try Fixtures.write(a, to: box.dir.file("a.safetensors"))
        try Fixtures.write(b, to: box.dir.file("b.safetensors"))
        try box.mgit("commit", box.dir.file("a.safetensors"), "-m", "a")
        #expect(try box.mgit("branch", "b").status == 0)
        let committed = try box.mgit("commit", box.dir.file("b.safetensors"), "-m", "b permuted", "--branch", "b")
        #expect(committed.status == 0, "\(committed.stderr)")
        let r = try box.mgit("rebase", "b", "--onto", "main", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try r.json() as? [String: Any])
        let check = try #require(report["functionCheck"] as? [String: Any])
        #expect((check["maxRelativeDifference"] as? Double ?? 1) < 1e-4)
        #expect(try box.mgit("export", "b", "-o", box.dir.file("back.safetensors")).status == 0)
        #expect(try SafeTensors.read(path: box.dir.file("back.safetensors")) == a)
    }
}
