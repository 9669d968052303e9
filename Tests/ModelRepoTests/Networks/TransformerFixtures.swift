@testable import MgitInterop
@testable import MgitTensor
@testable import MgitNetworks
@testable import MgitAlignment

/// Tiny transformer configurations and random checkpoints with Hugging Face tensor names.
enum TransformerFixtures {
    static func config(_ family: TransformerConfig.Family, d: Int = 16, layers: Int = 2, heads: Int = 4,
                       kvHeads: Int? = nil, headDim: Int? = nil, f: Int = 24, vocab: Int = 23, tied: Bool = true,
                       lmHead: Bool = true, bias: Bool = false) -> TransformerConfig {
        TransformerConfig(
            family: family, prefix: family == .bert ? (lmHead ? "bert." : "") : (family == .gpt2 ? "transformer." : "model."),
            vocabSize: vocab, hiddenSize: d, layers: layers, heads: heads, kvHeads: kvHeads ?? heads,
            headDim: headDim ?? d / heads, intermediateSize: f, maxPositions: family == .llama ? 0 : 12,
            typeVocabSize: family == .bert ? 2 : 0, normEps: family == .bert ? 1e-12 : (family == .gpt2 ? 1e-5 : 1e-6),
            ropeTheta: family == .llama ? 100 : 0, tieWordEmbeddings: family == .llama ? tied : true,
            hasLMHead: family == .bert ? lmHead : true, attentionBias: family == .llama ? bias : true,
            mlpBias: family == .llama ? bias : true, headsKnown: true, source: "test")
    }

    /// Every tensor `config` names, with random values (norm gains near 1); BERT also gets a pooler.
    static func checkpoint(_ c: TransformerConfig, seed: UInt64) -> Checkpoint {
        var random = TestRandom(seed)
        var out = Checkpoint()
        let p = c.prefix
        let (d, f, v) = (c.hiddenSize, c.intermediateSize, c.vocabSize)
        let (qw, kvw) = (c.heads * c.headDim, c.kvHeads * c.headDim)
        func dense(_ name: String, _ outputs: Int, _ inputs: Int, conv1d: Bool = false, bias: Bool = true) {
            out[name + ".weight"] = random.tensor(conv1d ? [inputs, outputs] : [outputs, inputs], -0.6, 0.6)
            if bias { out[name + ".bias"] = random.tensor([outputs], -0.3, 0.3) }
        }
        func norm(_ name: String, rms: Bool = false) {
            out[name + ".weight"] = random.tensor([d], 0.6, 1.4)
            if !rms { out[name + ".bias"] = random.tensor([d], -0.3, 0.3) }
        }
        switch c.family {
        case .bert:
            out[p + "embeddings.word_embeddings.weight"] = random.tensor([v, d], -1, 1)
            out[p + "embeddings.position_embeddings.weight"] = random.tensor([c.maxPositions, d], -1, 1)
            out[p + "embeddings.token_type_embeddings.weight"] = random.tensor([c.typeVocabSize, d], -1, 1)
            norm(p + "embeddings.LayerNorm")
            for l in 0..<c.layers {
                let b = p + "encoder.layer.\(l)."
                dense(b + "attention.self.query", qw, d)
                dense(b + "attention.self.key", kvw, d)
                dense(b + "attention.self.value", kvw, d)
                dense(b + "attention.output.dense", d, qw)
                norm(b + "attention.output.LayerNorm")
                dense(b + "intermediate.dense", f, d)
                dense(b + "output.dense", d, f)
                norm(b + "output.LayerNorm")
            }
            dense(p + "pooler.dense", d, d)
            if c.hasLMHead {
                dense("cls.predictions.transform.dense", d, d)
                norm("cls.predictions.transform.LayerNorm")
                out["cls.predictions.bias"] = random.tensor([v], -0.3, 0.3)
            }
        case .gpt2:
            out[p + "wte.weight"] = random.tensor([v, d], -1, 1)
            out[p + "wpe.weight"] = random.tensor([c.maxPositions, d], -1, 1)
            for l in 0..<c.layers {
                let b = p + "h.\(l)."
                norm(b + "ln_1")
                dense(b + "attn.c_attn", 3 * d, d, conv1d: true)
                dense(b + "attn.c_proj", d, d, conv1d: true)
                norm(b + "ln_2")
                dense(b + "mlp.c_fc", f, d, conv1d: true)
                dense(b + "mlp.c_proj", d, f, conv1d: true)
            }
            norm(p + "ln_f")
        case .llama:
            out[p + "embed_tokens.weight"] = random.tensor([v, d], -1, 1)
            for l in 0..<c.layers {
                let b = p + "layers.\(l)."
                norm(b + "input_layernorm", rms: true)
                dense(b + "self_attn.q_proj", qw, d, bias: c.attentionBias)
                dense(b + "self_attn.k_proj", kvw, d, bias: c.attentionBias)
                dense(b + "self_attn.v_proj", kvw, d, bias: c.attentionBias)
                dense(b + "self_attn.o_proj", d, qw, bias: c.attentionBias)
                norm(b + "post_attention_layernorm", rms: true)
                dense(b + "mlp.gate_proj", f, d, bias: c.mlpBias)
                dense(b + "mlp.up_proj", f, d, bias: c.mlpBias)
                dense(b + "mlp.down_proj", d, f, bias: c.mlpBias)
            }
            norm(p + "norm", rms: true)
            if !c.tieWordEmbeddings { out["lm_head.weight"] = random.tensor([v, d], -0.6, 0.6) }
        }
        return out
    }

    /// `batch` sequences of `length` seeded token ids below `vocab`.
    static func tokens(batch: Int, length: Int, vocab: Int, seed: UInt64, types: Int = 0) -> TokenBatch {
        var g = SeededGenerator(seed: seed)
        let ids = (0..<(batch * length)).map { _ in g.nextIndex(below: vocab) }
        let tt = types > 0 ? (0..<(batch * length)).map { _ in g.nextIndex(below: types) } : nil
        return TokenBatch(batch: batch, length: length, ids: ids, tokenTypes: tt)
    }
}
