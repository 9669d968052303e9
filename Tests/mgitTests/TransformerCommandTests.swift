import Foundation
import ModelRepo
import Testing

/// `mgit spec` on a transformer checkpoint through the built binary.
@Suite struct TransformerCommandTests {
    /// A one-block GPT-2 (d 8, 2 heads, vocabulary 11) with Hugging Face names; no config.json is committed, so
    /// the spec comes from the tensor names and leaves heads alone.
    @Test func specOfAGPT2CheckpointPermutesTheResidualStreamAndTheMLP() throws {
        let box = try Sandbox()
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
        try Fixtures.write(model, to: box.dir.file("gpt2.safetensors"))
        try box.mgit("commit", box.dir.file("gpt2.safetensors"), "-m", "tiny gpt2")
        let r = try box.mgit("spec", "HEAD")
        #expect(r.status == 0, "\(r.stderr)")
        let spec = try PermutationSpec(json: r.stdout)
        #expect(spec.permutationNames == ["P_mlp.0", "P_res"])
        #expect(spec.axes["transformer.h.0.mlp.c_fc.weight"] == [.init("P_res"), .init("P_mlp.0")])
        #expect(spec.axes["transformer.h.0.attn.c_attn.weight"] == [.init("P_res"), nil])
        #expect(spec.inputAxes.map(\.description) == ["tensor 'transformer.wte.weight' axis 0"])
    }
}
