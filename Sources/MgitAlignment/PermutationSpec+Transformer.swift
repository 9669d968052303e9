import MgitInterop
import MgitNetworks
import MgitTensor

/// The permutation specs of the three transformer families (docs/PERMUTATION-SPECS.md, "Transformers").
extension PermutationSpec {
    /// The name of the residual-stream permutation of a transformer spec.
    public static let residualPermutation = "P_res"

    /// The symmetries of a BERT, GPT-2 or Llama checkpoint as a spec.
    ///
    /// - `P_res` (size `d`): the residual stream, shared by every embedding's feature axis, every norm, the
    ///   input axis of every projection reading the stream and the output axis of every projection writing it
    ///   (a tied LM head shares it through the embedding; an untied one reads it on axis 1).
    /// - `P_mlp.{l}` (size `f`): block `l`'s MLP hidden units (SwiGLU's gate and up projections together).
    /// - `P_qk.{l}` (size `Hkv·dh`, `Hkv` heads): block `l`'s key heads with the query heads that read them
    ///   (`expand` `H/Hkv` on the query axis) and a permutation inside each head shared by Q and K, pinned
    ///   when RoPE pairs the dimensions (Llama).
    /// - `P_vo.{l}` (size `Hkv·dh`, same heads as `P_qk.{l}`): inside-head order shared by V and O's input.
    ///
    /// When the head count is only guessed (``TransformerConfig/headsKnown`` false) the spec has no head
    /// permutations: `P_res` and `P_mlp` preserve the function for any head split.
    /// - Throws: `MgitError(.mismatch)` when the checkpoint lacks a tensor the family needs.
    public static func transformer(_ c: TransformerConfig, checkpoint: Checkpoint) throws -> PermutationSpec {
        let p = c.prefix
        let res = AxisPermutation(residualPermutation)
        var axes: [String: [AxisPermutation?]] = [:]
        var heads: [String: HeadStructure] = [:]
        func bind(_ name: String, _ entries: [AxisPermutation?]) throws {
            guard checkpoint[name] != nil else {
                throw MgitError(.mismatch, "\(c.summary) needs tensor '\(name)', which the checkpoint does not have")
            }
            axes[name] = entries
        }
        func optional(_ name: String, _ entries: [AxisPermutation?]) {
            if checkpoint[name] != nil { axes[name] = entries }
        }
        /// A Linear `[out, in]` layer (`conv1d`: stored `[in, out]`) with an optional bias.
        func dense(_ name: String, out: AxisPermutation?, in input: AxisPermutation?, conv1d: Bool = false) throws {
            try bind(name + ".weight", conv1d ? [input, out] : [out, input])
            optional(name + ".bias", [out])
        }
        func norm(_ name: String) throws {
            try bind(name + ".weight", [res])
            optional(name + ".bias", [res])
        }
        func attention(_ l: Int) -> (qk: AxisPermutation?, q: AxisPermutation?, vo: AxisPermutation?, o: AxisPermutation?) {
            guard c.headsKnown else { return (nil, nil, nil, nil) }
            let (qk, vo) = ("P_qk.\(l)", "P_vo.\(l)")
            heads[qk] = HeadStructure(heads: c.kvHeads, withinFixed: c.family == .llama)
            heads[vo] = HeadStructure(heads: c.kvHeads, sameHeadsAs: qk)
            let r = c.heads / c.kvHeads
            return (AxisPermutation(qk), r > 1 ? AxisPermutation(qk, expand: r) : AxisPermutation(qk),
                    AxisPermutation(vo), r > 1 ? AxisPermutation(vo, expand: r) : AxisPermutation(vo))
        }
        var input: [TensorAxis]
        var output: [TensorAxis]
        switch c.family {
        case .bert:
            let e = p + "embeddings."
            input = [TensorAxis(e + "word_embeddings.weight", 0)]
            output = input
            try bind(e + "word_embeddings.weight", [nil, res])
            try bind(e + "position_embeddings.weight", [nil, res])
            optional(e + "token_type_embeddings.weight", [nil, res])
            try norm(e + "LayerNorm")
            for l in 0..<c.layers {
                let b = p + "encoder.layer.\(l)."
                let (qk, _, vo, _) = attention(l)
                let mlp = AxisPermutation("P_mlp.\(l)")
                try dense(b + "attention.self.query", out: qk, in: res)
                try dense(b + "attention.self.key", out: qk, in: res)
                try dense(b + "attention.self.value", out: vo, in: res)
                try dense(b + "attention.output.dense", out: res, in: vo)
                try norm(b + "attention.output.LayerNorm")
                try dense(b + "intermediate.dense", out: mlp, in: res)
                try dense(b + "output.dense", out: res, in: mlp)
                try norm(b + "output.LayerNorm")
            }
            if checkpoint[p + "pooler.dense.weight"] != nil {
                // The pooled output is the model's output: its units stay put.
                axes[p + "pooler.dense.weight"] = [nil, res]
                output = [TensorAxis(p + "pooler.dense.weight", 0)]
            }
            if c.hasLMHead {
                try dense("cls.predictions.transform.dense", out: res, in: res)
                try norm("cls.predictions.transform.LayerNorm")
                optional("cls.predictions.decoder.weight", [nil, res])
                output = [TensorAxis("cls.predictions.bias", 0)]
            }
        case .gpt2:
            input = [TensorAxis(p + "wte.weight", 0)]
            output = input
            try bind(p + "wte.weight", [nil, res])
            try bind(p + "wpe.weight", [nil, res])
            for l in 0..<c.layers {
                let b = p + "h.\(l)."
                let (qk, _, vo, _) = attention(l)
                let mlp = AxisPermutation("P_mlp.\(l)")
                try norm(b + "ln_1")
                let qkv = qk == nil && vo == nil ? nil : AxisPermutation(fused: [qk, qk, vo])
                try dense(b + "attn.c_attn", out: qkv, in: res, conv1d: true)
                try dense(b + "attn.c_proj", out: res, in: vo, conv1d: true)
                try norm(b + "ln_2")
                try dense(b + "mlp.c_fc", out: mlp, in: res, conv1d: true)
                try dense(b + "mlp.c_proj", out: res, in: mlp, conv1d: true)
            }
            try norm(p + "ln_f")
            if checkpoint["lm_head.weight"] != nil {
                axes["lm_head.weight"] = [nil, res]
                output = [TensorAxis("lm_head.weight", 0)]
            }
        case .llama:
            input = [TensorAxis(p + "embed_tokens.weight", 0)]
            output = input
            try bind(p + "embed_tokens.weight", [nil, res])
            for l in 0..<c.layers {
                let b = p + "layers.\(l)."
                let (k, q, v, o) = attention(l)
                let mlp = AxisPermutation("P_mlp.\(l)")
                try bind(b + "input_layernorm.weight", [res])
                try dense(b + "self_attn.q_proj", out: q, in: res)
                try dense(b + "self_attn.k_proj", out: k, in: res)
                try dense(b + "self_attn.v_proj", out: v, in: res)
                try dense(b + "self_attn.o_proj", out: res, in: o)
                try bind(b + "post_attention_layernorm.weight", [res])
                try dense(b + "mlp.gate_proj", out: mlp, in: res)
                try dense(b + "mlp.up_proj", out: mlp, in: res)
                try dense(b + "mlp.down_proj", out: res, in: mlp)
            }
            try bind(p + "norm.weight", [res])
            if checkpoint["lm_head.weight"] != nil {
                axes["lm_head.weight"] = [nil, res]
                output = [TensorAxis("lm_head.weight", 0)]
            }
        }
        return try PermutationSpec(axes: axes, inputAxes: input, outputAxes: output, headStructures: heads)
    }
}
