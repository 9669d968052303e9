import MgitInterop
import MgitTensor

/// A BERT-family encoder, GPT-2 or Llama-family decoder read from a checkpoint, run in f32 on OpenBLAS
/// (BF16/F16 weights are widened once, at load).
///
/// Shapes: a batch of `B` sequences of `T` tokens runs as `N = B·T` rows; the residual stream is `[N, d]`,
/// queries `[N, H·dh]`, keys and values `[N, Hkv·dh]`, MLP hidden units `[N, f]`, logits `[N, V]`. Every
/// matrix product is one sgemm; attention is two per sequence and head.
///
/// Blocks, following Hugging Face `transformers`:
/// - BERT (post-norm): `x = LN(x + Attn(x))`, `x = LN(x + W₂·gelu(W₁x))` after `LN(word + position + type)`.
/// - GPT-2 (pre-norm): `x += Attn(LN₁ x)`, `x += W₂·gelu_tanh(W₁·LN₂ x)`, final `ln_f`, logits `x·wteᵀ`.
/// - Llama (pre-norm): `x += Attn_RoPE(RMS x)`, `x += W_down(silu(W_gate·RMS x) ⊙ W_up·RMS x)`, final norm,
///   logits by `lm_head` or the tied embedding.
public struct TransformerNetwork: Sendable {
    /// The output of a forward pass.
    public struct Output: Sendable, Equatable {
        /// The last hidden state, `[N, d]`: BERT's `last_hidden_state`; for decoders after the final norm.
        public var hidden: FloatMatrix
        /// Next-token (decoders) or masked-token (BERT with an MLM head) logits, `[N, V]`; nil without a head.
        public var logits: FloatMatrix?
        /// The residual stream entering each block and, last, the final hidden state before the LM head,
        /// `L + 1` matrices `[N, d]`, when recording was asked for.
        public var residuals: [FloatMatrix]
    }

    private struct Block: Sendable {
        var norm1: RowNorm
        var norm2: RowNorm
        var query: DenseMap?
        var key: DenseMap?
        var value: DenseMap?
        var fusedQKV: DenseMap?
        var output: DenseMap
        var up: DenseMap
        var gate: DenseMap?
        var down: DenseMap
    }

    /// What the network is.
    public let config: TransformerConfig
    private let tokenEmbedding: [Float]
    private let positionEmbedding: [Float]?
    private let typeEmbedding: [Float]?
    private let embeddingNorm: RowNorm?
    private let blocks: [Block]
    private let finalNorm: RowNorm?
    /// The LM head `[V, d]` (PyTorch layout), nil when tied to `tokenEmbedding` or absent.
    private let head: DenseMap?
    /// BERT's MLM transform (dense d→d, GELU, LayerNorm) before the tied decoder.
    private let mlmTransform: (DenseMap, RowNorm)?
    private let mlmBias: [Float]?

    /// Reads every weight `config` needs from `checkpoint`, checking names and shapes.
    ///
    /// - Throws: `MgitError(.mismatch)` naming the tensor when one is missing, has another shape or a
    ///   non-float dtype.
    public init(config: TransformerConfig, checkpoint: Checkpoint) throws {
        try config.validate()
        self.config = config
        let p = config.prefix
        let (d, f, v) = (config.hiddenSize, config.intermediateSize, config.vocabSize)
        let (qWidth, kvWidth) = (config.heads * config.headDim, config.kvHeads * config.headDim)
        var r = ParameterReader(checkpoint, architecture: config.summary)
        var blocks: [Block] = []
        switch config.family {
        case .bert:
            tokenEmbedding = try r.floats(p + "embeddings.word_embeddings.weight", shape: [v, d])
            positionEmbedding = try r.floats(p + "embeddings.position_embeddings.weight", shape: [config.maxPositions, d])
            typeEmbedding = config.typeVocabSize > 0
                ? try r.floats(p + "embeddings.token_type_embeddings.weight", shape: [config.typeVocabSize, d]) : nil
            embeddingNorm = try RowNorm(&r, p + "embeddings.LayerNorm", size: d, eps: config.normEps, rms: false)
            for l in 0..<config.layers {
                let b = p + "encoder.layer.\(l)."
                blocks.append(Block(
                    norm1: try RowNorm(&r, b + "attention.output.LayerNorm", size: d, eps: config.normEps, rms: false),
                    norm2: try RowNorm(&r, b + "output.LayerNorm", size: d, eps: config.normEps, rms: false),
                    query: try DenseMap(&r, b + "attention.self.query", inputs: d, outputs: qWidth),
                    key: try DenseMap(&r, b + "attention.self.key", inputs: d, outputs: kvWidth),
                    value: try DenseMap(&r, b + "attention.self.value", inputs: d, outputs: kvWidth),
                    fusedQKV: nil,
                    output: try DenseMap(&r, b + "attention.output.dense", inputs: qWidth, outputs: d),
                    up: try DenseMap(&r, b + "intermediate.dense", inputs: d, outputs: f), gate: nil,
                    down: try DenseMap(&r, b + "output.dense", inputs: f, outputs: d)))
            }
            finalNorm = nil
            if config.hasLMHead {
                let c = "cls.predictions."
                mlmTransform = (try DenseMap(&r, c + "transform.dense", inputs: d, outputs: d),
                                try RowNorm(&r, c + "transform.LayerNorm", size: d, eps: config.normEps, rms: false))
                mlmBias = try r.floats(c + "bias", shape: [v])
                head = checkpoint[c + "decoder.weight"] != nil
                    ? try DenseMap(&r, c + "decoder", inputs: d, outputs: v, biased: false) : nil
            } else {
                mlmTransform = nil
                mlmBias = nil
                head = nil
            }
        case .gpt2:
            tokenEmbedding = try r.floats(p + "wte.weight", shape: [v, d])
            positionEmbedding = try r.floats(p + "wpe.weight", shape: [config.maxPositions, d])
            typeEmbedding = nil
            embeddingNorm = nil
            for l in 0..<config.layers {
                let b = p + "h.\(l)."
                blocks.append(Block(
                    norm1: try RowNorm(&r, b + "ln_1", size: d, eps: config.normEps, rms: false),
                    norm2: try RowNorm(&r, b + "ln_2", size: d, eps: config.normEps, rms: false),
                    query: nil, key: nil, value: nil,
                    fusedQKV: try DenseMap(&r, b + "attn.c_attn", inputs: d, outputs: 3 * d, inputMajor: true),
                    output: try DenseMap(&r, b + "attn.c_proj", inputs: d, outputs: d, inputMajor: true),
                    up: try DenseMap(&r, b + "mlp.c_fc", inputs: d, outputs: f, inputMajor: true), gate: nil,
                    down: try DenseMap(&r, b + "mlp.c_proj", inputs: f, outputs: d, inputMajor: true)))
            }
            finalNorm = try RowNorm(&r, p + "ln_f", size: d, eps: config.normEps, rms: false)
            head = checkpoint["lm_head.weight"] != nil
                ? try DenseMap(&r, "lm_head", inputs: d, outputs: v, biased: false) : nil
            mlmTransform = nil
            mlmBias = nil
        case .llama:
            tokenEmbedding = try r.floats(p + "embed_tokens.weight", shape: [v, d])
            positionEmbedding = nil
            typeEmbedding = nil
            embeddingNorm = nil
            let (ab, mb) = (config.attentionBias, config.mlpBias)
            for l in 0..<config.layers {
                let b = p + "layers.\(l)."
                blocks.append(Block(
                    norm1: try RowNorm(&r, b + "input_layernorm", size: d, eps: config.normEps, rms: true),
                    norm2: try RowNorm(&r, b + "post_attention_layernorm", size: d, eps: config.normEps, rms: true),
                    query: try DenseMap(&r, b + "self_attn.q_proj", inputs: d, outputs: qWidth, biased: ab),
                    key: try DenseMap(&r, b + "self_attn.k_proj", inputs: d, outputs: kvWidth, biased: ab),
                    value: try DenseMap(&r, b + "self_attn.v_proj", inputs: d, outputs: kvWidth, biased: ab),
                    fusedQKV: nil,
                    // Qwen2 has biases on q, k, v only; Llama's `attention_bias` covers o_proj too.
                    output: try DenseMap(&r, b + "self_attn.o_proj", inputs: qWidth, outputs: d,
                                         biased: ab && checkpoint[b + "self_attn.o_proj.bias"] != nil),
                    up: try DenseMap(&r, b + "mlp.up_proj", inputs: d, outputs: f, biased: mb),
                    gate: try DenseMap(&r, b + "mlp.gate_proj", inputs: d, outputs: f, biased: mb),
                    down: try DenseMap(&r, b + "mlp.down_proj", inputs: f, outputs: d, biased: mb)))
            }
            finalNorm = try RowNorm(&r, p + "norm", size: d, eps: config.normEps, rms: true)
            head = config.tieWordEmbeddings && checkpoint["lm_head.weight"] == nil
                ? nil : try DenseMap(&r, "lm_head", inputs: d, outputs: v, biased: false)
            mlmTransform = nil
            mlmBias = nil
        }
        self.blocks = blocks
    }

    /// Runs a batch through the network.
    ///
    /// - Parameters:
    ///   - tokens: ids `[B, T]`, each below `V`; `T` at most the learned positions (BERT, GPT-2).
    ///   - recordingResiduals: Also return the residual stream before each block and the final hidden state.
    /// - Returns: ``Output``: hidden `[B·T, d]`, logits `[B·T, V]` when the network has a head.
    /// - Throws: `MgitError(.invalidInput)` for an id or token type out of range or a sequence too long.
    public func forward(_ tokens: TokenBatch, recordingResiduals: Bool = false) throws -> Output {
        let c = config
        let (n, t, d) = (tokens.batch * tokens.length, tokens.length, c.hiddenSize)
        if let bad = tokens.ids.first(where: { $0 < 0 || $0 >= c.vocabSize }) {
            throw MgitError(.invalidInput, "token id \(bad) is outside the vocabulary 0..<\(c.vocabSize) of \(c.summary)")
        }
        if positionEmbedding != nil, t > c.maxPositions {
            throw MgitError(.invalidInput, "sequences of \(t) tokens are longer than the \(c.maxPositions) positions "
                            + "of \(c.summary)")
        }
        var x = FloatMatrix(rows: n, columns: d)
        x.values.withUnsafeMutableBufferPointer { out in
            tokenEmbedding.withUnsafeBufferPointer { e in
                for (row, id) in tokens.ids.enumerated() {
                    (out.baseAddress! + row * d).update(from: e.baseAddress! + id * d, count: d)
                }
            }
            if let positions = positionEmbedding {
                for row in 0..<n {
                    let pos = row % t
                    for i in 0..<d { out[row * d + i] += positions[pos * d + i] }
                }
            }
        }
        if let types = typeEmbedding {
            let ids = tokens.tokenTypes ?? [Int](repeating: 0, count: n)
            if let bad = ids.first(where: { $0 < 0 || $0 >= c.typeVocabSize }) {
                throw MgitError(.invalidInput, "token type \(bad) is outside 0..<\(c.typeVocabSize) of \(c.summary)")
            }
            for row in 0..<n { for i in 0..<d { x.values[row * d + i] += types[ids[row] * d + i] } }
        }
        if let embeddingNorm { x = embeddingNorm(x) }
        var residuals: [FloatMatrix] = []
        for block in blocks {
            if recordingResiduals { residuals.append(x) }
            x = run(block, x, batch: tokens.batch, length: t)
        }
        if let finalNorm { x = finalNorm(x) }
        if recordingResiduals { residuals.append(x) }
        return Output(hidden: x, logits: logits(x), residuals: residuals)
    }

    /// One block on the residual stream `x` `[N, d]`.
    private func run(_ block: Block, _ x: FloatMatrix, batch: Int, length: Int) -> FloatMatrix {
        let c = config
        let causal = c.family != .bert
        let attentionInput = c.family == .bert ? x : block.norm1(x)
        let context: FloatMatrix
        if let fused = block.fusedQKV {
            let qkv = fused(attentionInput)
            context = Attention.apply(q: .init(matrix: qkv, offset: 0), k: .init(matrix: qkv, offset: c.hiddenSize),
                                      v: .init(matrix: qkv, offset: 2 * c.hiddenSize), batch: batch, length: length,
                                      heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim, causal: causal)
        } else {
            var q = block.query!(attentionInput)
            var k = block.key!(attentionInput)
            let v = block.value!(attentionInput)
            if c.family == .llama {
                Attention.rotate(&q, length: length, heads: c.heads, headDim: c.headDim, theta: c.ropeTheta)
                Attention.rotate(&k, length: length, heads: c.kvHeads, headDim: c.headDim, theta: c.ropeTheta)
            }
            context = Attention.apply(q: .init(matrix: q, offset: 0), k: .init(matrix: k, offset: 0),
                                      v: .init(matrix: v, offset: 0), batch: batch, length: length,
                                      heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim, causal: causal)
        }
        var h = x
        h.add(block.output(context))
        if c.family == .bert { h = block.norm1(h) }
        let mlpInput = c.family == .bert ? h : block.norm2(h)
        var hidden = block.up(mlpInput)
        switch c.family {
        case .bert: Activation.gelu.apply(&hidden)
        case .gpt2: Activation.geluTanh.apply(&hidden)
        case .llama:
            var gate = block.gate!(mlpInput)
            Activation.silu.apply(&gate)
            hidden.multiply(by: gate)
        }
        h.add(block.down(hidden))
        if c.family == .bert { h = block.norm2(h) }
        return h
    }

    /// The head's logits `[N, V]` for final hidden states `[N, d]`, or nil without a head.
    private func logits(_ x: FloatMatrix) -> FloatMatrix? {
        guard config.hasLMHead else { return nil }
        var input = x
        if let (dense, norm) = mlmTransform {
            input = dense(x)
            Activation.gelu.apply(&input)
            input = norm(input)
        }
        let map = DenseMap(weight: head?.weight ?? tokenEmbedding, bias: mlmBias, inputs: config.hiddenSize,
                           outputs: config.vocabSize, inputMajor: false)
        return map(input)
    }
}
