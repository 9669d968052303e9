import Foundation
import MgitInterop
import MgitTensor

/// The shape of a transformer: its family, sizes and the tensor-name prefix its checkpoint uses, read from a
/// Hugging Face `config.json` or, without one, from the checkpoint's tensor names and shapes.
///
/// Three families are known (docs/ARCHITECTURES.md, "Transformers"):
/// - `bert`: BERT-family encoders (BERT, MiniLM, sentence-transformers models): post-norm LayerNorm, learned
///   absolute positions, token types, GELU (erf); an MLM head when the checkpoint carries `cls.predictions.*`.
/// - `gpt2`: GPT-2 decoders: pre-norm LayerNorm, learned positions, fused `c_attn` Conv1D weights stored
///   `[in, out]`, GELU (tanh), LM head tied to `wte`.
/// - `llama`: Llama-family decoders: RMSNorm, RoPE, SwiGLU, grouped-query attention, tied or untied LM head.
///
/// Names of dimensions used throughout: `d` hidden size, `H` query heads, `Hkv` key/value heads, `dh` head
/// size, `f` MLP hidden units, `V` vocabulary, `L` layers.
public struct TransformerConfig: Sendable, Equatable {
    /// The transformer families mgit runs and aligns.
    public enum Family: String, Sendable, CaseIterable {
        case bert, gpt2, llama
    }

    /// The family.
    public var family: Family
    /// Prefix of every backbone tensor name: `""`, `"bert."`, `"transformer."` or `"model."`.
    public var prefix: String
    /// `V`, rows of the token embedding.
    public var vocabSize: Int
    /// `d`, the width of the residual stream.
    public var hiddenSize: Int
    /// `L`, the number of blocks.
    public var layers: Int
    /// `H`, query heads per block.
    public var heads: Int
    /// `Hkv`, key/value heads per block (`H` unless grouped-query attention); divides `H`.
    public var kvHeads: Int
    /// `dh`, the size of one head.
    public var headDim: Int
    /// `f`, MLP hidden units.
    public var intermediateSize: Int
    /// Rows of the learned position embedding (BERT, GPT-2); 0 for RoPE.
    public var maxPositions: Int
    /// Rows of the token-type embedding (BERT); 0 when absent.
    public var typeVocabSize: Int
    /// The norms' epsilon.
    public var normEps: Float
    /// RoPE base θ (Llama).
    public var ropeTheta: Double
    /// Whether the LM head reuses the token embedding (GPT-2 always; Llama when `tie_word_embeddings`).
    public var tieWordEmbeddings: Bool
    /// Whether the checkpoint carries an LM head (decoders) or an MLM head (`cls.predictions.*`, BERT).
    public var hasLMHead: Bool
    /// Whether Llama's q/k/v/o projections carry biases (`attention_bias`).
    public var attentionBias: Bool
    /// Whether Llama's MLP projections carry biases (`mlp_bias`).
    public var mlpBias: Bool
    /// Whether the head count came from `config.json`. Without it the head split is a guess (`dh` = 64 when it
    /// divides `d`), good for running the network but not for permuting heads: specs then leave heads alone.
    public var headsKnown: Bool
    /// Where the sizes came from, for messages: `config.json` or `tensor names`.
    public var source: String

    /// A description for messages: `llama (d 64, 2 layers, 4 heads, 2 kv heads) from config.json`.
    public var summary: String {
        "\(family.rawValue) (d \(hiddenSize), \(layers) layers, \(heads) heads"
            + (kvHeads != heads ? ", \(kvHeads) kv heads" : "") + ") from \(source)"
    }

    /// Reads the architecture from a `config.json` file when `path` names one that exists, else from the
    /// checkpoint's tensor names.
    ///
    /// - Throws: `MgitError(.io)` when the file cannot be read, or the errors of ``detect(config:checkpoint:)``.
    public static func detect(configAt path: String?, checkpoint: Checkpoint) throws -> TransformerConfig {
        guard let path, FileManager.default.fileExists(atPath: path) else {
            return try detect(config: nil, checkpoint: checkpoint)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MgitError(.io, "cannot read '\(path)'; check its permissions")
        }
        return try detect(config: data, checkpoint: checkpoint)
    }

    /// Detects the architecture from `config.json`'s bytes (`model_type`, sizes, heads, kv heads, RoPE θ,
    /// `tie_word_embeddings`, norm epsilon) and checks it against the checkpoint; with `config` nil, from the
    /// tensor names and shapes alone.
    ///
    /// - Throws: `MgitError(.invalidInput)` naming what was detected when the family is not one mgit knows or
    ///   the config is malformed; `MgitError(.mismatch)` when the config and the checkpoint disagree.
    public static func detect(config: Data?, checkpoint: Checkpoint) throws -> TransformerConfig {
        let prefixAndFamily = familyFromNames(checkpoint)
        guard let config else {
            guard let (family, prefix) = prefixAndFamily else {
                throw MgitError(.invalidInput, "cannot detect a transformer: there is no config.json and the tensor "
                                + "names (\(sample(checkpoint))) are not those of a BERT, GPT-2 or Llama checkpoint; "
                                + "describe the network with a permutation spec (docs/PERMUTATION-SPECS.md)")
            }
            return try fromNames(family: family, prefix: prefix, checkpoint: checkpoint)
        }
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: config) as? [String: Any] else {
                throw MgitError(.invalidInput, "config.json is not a JSON object")
            }
            object = parsed
        } catch let error as MgitError {
            throw error
        } catch {
            throw MgitError(.invalidInput, "config.json is not valid JSON; fix or remove it", underlying: "\(error)")
        }
        let modelType = object["model_type"] as? String ?? ""
        let architectures = (object["architectures"] as? [String]) ?? []
        let family: Family
        switch modelType {
        case "bert": family = .bert
        case "gpt2": family = .gpt2
        case "llama", "mistral", "qwen2": family = .llama
        default:
            let fromNames = prefixAndFamily.map { " and the tensor names look like \($0.0.rawValue)" } ?? ""
            throw MgitError(.invalidInput, "config.json describes model_type '\(modelType)' (architectures "
                            + "\(architectures)); mgit runs and aligns only bert, gpt2 and llama-family "
                            + "transformers\(fromNames); write a permutation spec for this one "
                            + "(docs/PERMUTATION-SPECS.md)")
        }
        guard let prefix = prefixAndFamily.flatMap({ $0.0 == family ? $0.1 : nil }) else {
            throw MgitError(.mismatch, "config.json says model_type '\(modelType)' but the checkpoint's tensor names "
                            + "(\(sample(checkpoint))) are not those of a \(family.rawValue) checkpoint")
        }
        let reader = ConfigReader(object: object)
        var c: TransformerConfig
        switch family {
        case .bert:
            let d = try reader.int("hidden_size")
            let h = try reader.int("num_attention_heads")
            c = TransformerConfig(
                family: .bert, prefix: prefix, vocabSize: try reader.int("vocab_size"), hiddenSize: d,
                layers: try reader.int("num_hidden_layers"), heads: h, kvHeads: h, headDim: d / max(h, 1),
                intermediateSize: try reader.int("intermediate_size"),
                maxPositions: try reader.int("max_position_embeddings"),
                typeVocabSize: try reader.int("type_vocab_size", default: 2),
                normEps: Float(try reader.double("layer_norm_eps", default: 1e-12)), ropeTheta: 0,
                tieWordEmbeddings: true, hasLMHead: checkpoint["cls.predictions.bias"] != nil,
                attentionBias: true, mlpBias: true, headsKnown: true, source: "config.json")
            let act = object["hidden_act"] as? String ?? "gelu"
            guard act == "gelu" else {
                throw MgitError(.invalidInput, "config.json gives bert hidden_act '\(act)'; mgit runs only 'gelu'")
            }
            let positions = object["position_embedding_type"] as? String ?? "absolute"
            guard positions == "absolute" else {
                throw MgitError(.invalidInput, "config.json gives bert position_embedding_type '\(positions)'; "
                                + "mgit runs only 'absolute'")
            }
        case .gpt2:
            let d = try reader.int("n_embd")
            let h = try reader.int("n_head")
            c = TransformerConfig(
                family: .gpt2, prefix: prefix, vocabSize: try reader.int("vocab_size"), hiddenSize: d,
                layers: try reader.int("n_layer"), heads: h, kvHeads: h, headDim: d / max(h, 1),
                intermediateSize: (object["n_inner"] as? Int) ?? 4 * d,
                maxPositions: try reader.int("n_positions"), typeVocabSize: 0,
                normEps: Float(try reader.double("layer_norm_epsilon", default: 1e-5)), ropeTheta: 0,
                tieWordEmbeddings: true, hasLMHead: true, attentionBias: true, mlpBias: true, headsKnown: true,
                source: "config.json")
            let act = object["activation_function"] as? String ?? "gelu_new"
            guard act == "gelu_new" else {
                throw MgitError(.invalidInput, "config.json gives gpt2 activation_function '\(act)'; mgit runs only "
                                + "'gelu_new'")
            }
        case .llama:
            let d = try reader.int("hidden_size")
            let h = try reader.int("num_attention_heads")
            let kv = try reader.int("num_key_value_heads", default: h)
            c = TransformerConfig(
                family: .llama, prefix: prefix, vocabSize: try reader.int("vocab_size"), hiddenSize: d,
                layers: try reader.int("num_hidden_layers"), heads: h, kvHeads: kv,
                headDim: try reader.int("head_dim", default: d / max(h, 1)),
                intermediateSize: try reader.int("intermediate_size"), maxPositions: 0, typeVocabSize: 0,
                normEps: Float(try reader.double("rms_norm_eps", default: 1e-6)),
                ropeTheta: try ConfigReader(object: object["rope_parameters"] as? [String: Any] ?? [:])
                    .double("rope_theta", default: reader.double("rope_theta", default: 10_000)),
                tieWordEmbeddings: object["tie_word_embeddings"] as? Bool ?? false, hasLMHead: true,
                attentionBias: object["attention_bias"] as? Bool ?? false, mlpBias: object["mlp_bias"] as? Bool ?? false,
                headsKnown: true, source: "config.json")
            if modelType == "qwen2" { c.attentionBias = true }
            // transformers 4 writes `rope_theta` and `rope_scaling`; transformers 5 writes `rope_parameters`.
            for key in ["rope_scaling", "rope_parameters"] {
                guard let scaling = object[key] as? [String: Any] else { continue }
                let kind = scaling["rope_type"] as? String ?? scaling["type"] as? String ?? "?"
                guard kind == "default" else {
                    throw MgitError(.invalidInput, "config.json gives \(key) of type '\(kind)'; mgit runs only plain RoPE")
                }
            }
            let act = object["hidden_act"] as? String ?? "silu"
            guard act == "silu" else {
                throw MgitError(.invalidInput, "config.json gives hidden_act '\(act)'; mgit runs only 'silu' (SwiGLU)")
            }
            if object["sliding_window"] is Int, object["use_sliding_window"] as? Bool ?? (modelType == "mistral") {
                throw MgitError(.invalidInput, "config.json asks for sliding-window attention, which mgit does not run")
            }
        }
        try c.validate()
        return c
    }

    /// The family and prefix the tensor names show, or nil.
    package static func familyFromNames(_ checkpoint: Checkpoint) -> (Family, String)? {
        for prefix in ["", "bert.", "model.", "transformer."] {
            if checkpoint[prefix + "embeddings.word_embeddings.weight"] != nil { return (.bert, prefix) }
            if checkpoint[prefix + "wte.weight"] != nil, checkpoint[prefix + "h.0.attn.c_attn.weight"] != nil {
                return (.gpt2, prefix)
            }
            if checkpoint[prefix + "embed_tokens.weight"] != nil,
               checkpoint[prefix + "layers.0.self_attn.q_proj.weight"] != nil {
                return (.llama, prefix)
            }
        }
        return nil
    }

    /// Sizes from tensor shapes; the head count is a guess (``headsKnown`` false).
    private static func fromNames(family: Family, prefix: String, checkpoint: Checkpoint) throws -> TransformerConfig {
        func shape(_ name: String) throws -> [Int] {
            guard let t = checkpoint[prefix + name] else {
                throw MgitError(.mismatch, "the tensor names look like a \(family.rawValue) checkpoint but "
                                + "'\(prefix + name)' is missing")
            }
            return t.shape
        }
        func countLayers(_ pattern: String) -> Int {
            var n = 0
            while checkpoint[prefix + pattern.replacingOccurrences(of: "#", with: String(n))] != nil { n += 1 }
            return n
        }
        func guessHeads(_ d: Int) -> Int { d % 64 == 0 ? d / 64 : 1 }
        var c: TransformerConfig
        switch family {
        case .bert:
            let embed = try shape("embeddings.word_embeddings.weight")
            let d = embed.count == 2 ? embed[1] : 0
            let types = checkpoint[prefix + "embeddings.token_type_embeddings.weight"]?.shape.first ?? 0
            c = TransformerConfig(
                family: .bert, prefix: prefix, vocabSize: embed.first ?? 0, hiddenSize: d,
                layers: countLayers("encoder.layer.#.attention.self.query.weight"), heads: guessHeads(d),
                kvHeads: guessHeads(d), headDim: d / guessHeads(d),
                intermediateSize: try shape("encoder.layer.0.intermediate.dense.weight").first ?? 0,
                maxPositions: try shape("embeddings.position_embeddings.weight").first ?? 0, typeVocabSize: types,
                normEps: 1e-12, ropeTheta: 0, tieWordEmbeddings: true,
                hasLMHead: checkpoint["cls.predictions.bias"] != nil, attentionBias: true, mlpBias: true,
                headsKnown: false, source: "tensor names")
        case .gpt2:
            let embed = try shape("wte.weight")
            let d = embed.count == 2 ? embed[1] : 0
            c = TransformerConfig(
                family: .gpt2, prefix: prefix, vocabSize: embed.first ?? 0, hiddenSize: d,
                layers: countLayers("h.#.attn.c_attn.weight"), heads: guessHeads(d), kvHeads: guessHeads(d),
                headDim: d / guessHeads(d), intermediateSize: try shape("h.0.mlp.c_fc.weight").last ?? 0,
                maxPositions: try shape("wpe.weight").first ?? 0, typeVocabSize: 0, normEps: 1e-5, ropeTheta: 0,
                tieWordEmbeddings: true, hasLMHead: true, attentionBias: true, mlpBias: true, headsKnown: false,
                source: "tensor names")
        case .llama:
            let embed = try shape("embed_tokens.weight")
            let d = embed.count == 2 ? embed[1] : 0
            let q = try shape("layers.0.self_attn.q_proj.weight").first ?? 0
            let k = try shape("layers.0.self_attn.k_proj.weight").first ?? 0
            // Head size 64 or 128 is the common choice; RoPE with the wrong head size is still a function, and
            // without a config no head permutation is proposed, so the guess only shapes the function check.
            let dh = q % 128 == 0 && k % 128 == 0 ? 128 : (q % 64 == 0 && k % 64 == 0 ? 64 : max(k, 1))
            c = TransformerConfig(
                family: .llama, prefix: prefix, vocabSize: embed.first ?? 0, hiddenSize: d,
                layers: countLayers("layers.#.self_attn.q_proj.weight"), heads: q / dh, kvHeads: k / dh, headDim: dh,
                intermediateSize: try shape("layers.0.mlp.gate_proj.weight").first ?? 0, maxPositions: 0,
                typeVocabSize: 0, normEps: 1e-6, ropeTheta: 10_000,
                tieWordEmbeddings: checkpoint["lm_head.weight"] == nil, hasLMHead: true,
                attentionBias: checkpoint[prefix + "layers.0.self_attn.q_proj.bias"] != nil,
                mlpBias: checkpoint[prefix + "layers.0.mlp.gate_proj.bias"] != nil, headsKnown: false,
                source: "tensor names")
        }
        try c.validate()
        return c
    }

    /// Checks the sizes are positive and consistent.
    package func validate() throws {
        let sizes = [("hidden size", hiddenSize), ("layers", layers), ("heads", heads), ("kv heads", kvHeads),
                     ("head size", headDim), ("intermediate size", intermediateSize), ("vocabulary", vocabSize)]
        for (what, value) in sizes where value <= 0 {
            throw MgitError(.invalidInput, "\(summary): \(what) is \(value); it must be positive")
        }
        guard heads % kvHeads == 0 else {
            throw MgitError(.invalidInput, "\(summary): \(heads) heads do not divide into \(kvHeads) kv heads")
        }
        if family != .llama, heads * headDim != hiddenSize {
            throw MgitError(.invalidInput, "\(summary): \(heads) heads do not divide the hidden size \(hiddenSize)")
        }
        if family == .llama, headDim % 2 != 0 {
            throw MgitError(.invalidInput, "\(summary): RoPE needs an even head size, not \(headDim)")
        }
    }

    private static func sample(_ checkpoint: Checkpoint) -> String {
        let shown = checkpoint.names.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
        return checkpoint.names.count > 3 ? shown + ", …" : (shown.isEmpty ? "none" : shown)
    }
}

/// A JSON number written as an integer (not a boolean, not `3.0`), from `JSONSerialization`.
private func configInteger(_ value: Any) -> Int? {
    guard let number = value as? NSNumber else { return nil }
    let type = String(cString: number.objCType)
    guard type != "c", type != "d", type != "f" else { return nil }
    return number.intValue
}

/// Reads typed numbers out of a parsed `config.json`, naming the key in errors.
private struct ConfigReader {
    let object: [String: Any]

    func int(_ key: String, default value: Int? = nil) throws -> Int {
        guard let raw = object[key], !(raw is NSNull) else {
            guard let value else {
                throw MgitError(.invalidInput, "config.json has no \"\(key)\", which the architecture needs")
            }
            return value
        }
        guard let n = configInteger(raw) else {
            throw MgitError(.invalidInput, "config.json gives \"\(key)\": \(raw); it must be a whole number")
        }
        return n
    }

    func double(_ key: String, default value: Double) throws -> Double {
        guard let raw = object[key], !(raw is NSNull) else { return value }
        guard let n = raw as? NSNumber, String(cString: n.objCType) != "c" else {
            throw MgitError(.invalidInput, "config.json gives \"\(key)\": \(raw); it must be a number")
        }
        return n.doubleValue
    }
}
