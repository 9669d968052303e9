import Foundation
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitNetworks
@testable import MgitAlignment

/// A transformer forward pass written as plain Double loops, token by token and head by head, straight from
/// the papers and Hugging Face's modelling files: the reference the BLAS forward passes are checked against.
/// Nothing is shared with the code under test but the tensor names and the sizes in `TransformerConfig`.
struct NaiveTransformer {
    let c: TransformerConfig
    let checkpoint: Checkpoint

    func w(_ name: String) -> [Double] { checkpoint[name]!.doubles() }

    /// `e · h` for every row of the `[V, d]` matrix `e`.
    func unembed(_ h: [Double], _ e: [Double], bias: [Double]? = nil) -> [Double] {
        let d = h.count
        return (0..<(e.count / d)).map { o in
            var s = bias?[o] ?? 0
            for i in 0..<d { s += h[i] * e[o * d + i] }
            return s
        }
    }

    /// `W x + b`, W `[out, in]` (or `[in, out]` when `conv1d`).
    func linear(_ x: [Double], _ name: String, outputs: Int, conv1d: Bool = false, bias: Bool = true) -> [Double] {
        let weight = w(name + ".weight")
        let b = bias && checkpoint[name + ".bias"] != nil ? w(name + ".bias") : [Double](repeating: 0, count: outputs)
        let inputs = x.count
        return (0..<outputs).map { o in
            var s = b[o]
            for i in 0..<inputs { s += x[i] * (conv1d ? weight[i * outputs + o] : weight[o * inputs + i]) }
            return s
        }
    }

    func layerNorm(_ x: [Double], _ name: String) -> [Double] {
        let g = w(name + ".weight"), b = w(name + ".bias")
        let mean = x.reduce(0, +) / Double(x.count)
        let variance = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.count)
        return x.indices.map { (x[$0] - mean) / (variance + Double(c.normEps)).squareRoot() * g[$0] + b[$0] }
    }

    func rmsNorm(_ x: [Double], _ name: String) -> [Double] {
        let g = w(name + ".weight")
        let ms = x.map { $0 * $0 }.reduce(0, +) / Double(x.count)
        return x.indices.map { x[$0] / (ms + Double(c.normEps)).squareRoot() * g[$0] }
    }

    func gelu(_ x: Double) -> Double { 0.5 * x * (1 + erf(x / 2.0.squareRoot())) }
    func geluTanh(_ x: Double) -> Double { 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))) }
    func silu(_ x: Double) -> Double { x / (1 + exp(-x)) }

    /// RoPE on one head vector at position `pos`: pairs `(i, i + dh/2)` turn by `pos · θ^(−2i/dh)`.
    func rope(_ v: [Double], pos: Int) -> [Double] {
        let half = v.count / 2
        var out = v
        for i in 0..<half {
            let angle = Double(pos) / pow(c.ropeTheta, Double(2 * i) / Double(v.count))
            out[i] = v[i] * cos(angle) - v[i + half] * sin(angle)
            out[i + half] = v[i + half] * cos(angle) + v[i] * sin(angle)
        }
        return out
    }

    /// Multi-head attention of one sequence: `q` `[T][H·dh]`, `k`, `v` `[T][Hkv·dh]`.
    func attend(_ q: [[Double]], _ k: [[Double]], _ v: [[Double]], causal: Bool) -> [[Double]] {
        let (t, dh) = (q.count, c.headDim)
        var out = [[Double]](repeating: [Double](repeating: 0, count: c.heads * dh), count: t)
        for h in 0..<c.heads {
            let g = h / (c.heads / c.kvHeads)
            for i in 0..<t {
                let visible = causal ? i + 1 : t
                var scores: [Double] = []
                for j in 0..<visible {
                    var dot = 0.0
                    for e in 0..<dh { dot += q[i][h * dh + e] * k[j][g * dh + e] }
                    scores.append(dot / Double(dh).squareRoot())
                }
                let top = scores.max()!
                scores = scores.map { exp($0 - top) }
                let total = scores.reduce(0, +)
                for j in 0..<visible {
                    for e in 0..<dh { out[i][h * dh + e] += scores[j] / total * v[j][g * dh + e] }
                }
            }
        }
        return out
    }

    /// Hidden states `[T][d]` and logits `[T][V]` (empty without a head) of one sequence.
    func run(_ ids: [Int], types: [Int]? = nil) -> (hidden: [[Double]], logits: [[Double]]) {
        let p = c.prefix
        let (d, f, t) = (c.hiddenSize, c.intermediateSize, ids.count)
        let qw = c.heads * c.headDim, kvw = c.kvHeads * c.headDim
        func row(_ name: String, _ r: Int) -> [Double] { Array(w(name)[(r * d)..<((r + 1) * d)]) }
        func add(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map { $0 + $1 } }
        var x: [[Double]]
        switch c.family {
        case .bert:
            x = (0..<t).map { i in
                var e = add(row(p + "embeddings.word_embeddings.weight", ids[i]), row(p + "embeddings.position_embeddings.weight", i))
                e = add(e, row(p + "embeddings.token_type_embeddings.weight", types?[i] ?? 0))
                return layerNorm(e, p + "embeddings.LayerNorm")
            }
            for l in 0..<c.layers {
                let b = p + "encoder.layer.\(l)."
                let q = x.map { linear($0, b + "attention.self.query", outputs: qw) }
                let k = x.map { linear($0, b + "attention.self.key", outputs: kvw) }
                let v = x.map { linear($0, b + "attention.self.value", outputs: kvw) }
                let a = attend(q, k, v, causal: false)
                x = (0..<t).map { layerNorm(add(x[$0], linear(a[$0], b + "attention.output.dense", outputs: d)),
                                            b + "attention.output.LayerNorm") }
                x = x.map { xi in
                    let h = linear(xi, b + "intermediate.dense", outputs: f).map(gelu)
                    return layerNorm(add(xi, linear(h, b + "output.dense", outputs: d)), b + "output.LayerNorm")
                }
            }
            guard c.hasLMHead else { return (x, []) }
            let logits = x.map { xi in
                var h = linear(xi, "cls.predictions.transform.dense", outputs: d).map(gelu)
                h = layerNorm(h, "cls.predictions.transform.LayerNorm")
                return unembed(h, w(p + "embeddings.word_embeddings.weight"), bias: w("cls.predictions.bias"))
            }
            return (x, logits)
        case .gpt2:
            x = (0..<t).map { add(row(p + "wte.weight", ids[$0]), row(p + "wpe.weight", $0)) }
            for l in 0..<c.layers {
                let b = p + "h.\(l)."
                let qkv = x.map { linear(layerNorm($0, b + "ln_1"), b + "attn.c_attn", outputs: 3 * d, conv1d: true) }
                let a = attend(qkv.map { Array($0[0..<d]) }, qkv.map { Array($0[d..<(2 * d)]) },
                               qkv.map { Array($0[(2 * d)...]) }, causal: true)
                x = (0..<t).map { add(x[$0], linear(a[$0], b + "attn.c_proj", outputs: d, conv1d: true)) }
                x = x.map { xi in
                    let h = linear(layerNorm(xi, b + "ln_2"), b + "mlp.c_fc", outputs: f, conv1d: true).map(geluTanh)
                    return add(xi, linear(h, b + "mlp.c_proj", outputs: d, conv1d: true))
                }
            }
            x = x.map { layerNorm($0, p + "ln_f") }
            let e = w(p + "wte.weight")
            return (x, x.map { unembed($0, e) })
        case .llama:
            x = ids.map { row(p + "embed_tokens.weight", $0) }
            for l in 0..<c.layers {
                let b = p + "layers.\(l)."
                let n = x.map { rmsNorm($0, b + "input_layernorm") }
                func heads(_ v: [Double], _ count: Int, _ pos: Int) -> [Double] {
                    (0..<count).flatMap { rope(Array(v[($0 * c.headDim)..<(($0 + 1) * c.headDim)]), pos: pos) }
                }
                let q = (0..<t).map { heads(linear(n[$0], b + "self_attn.q_proj", outputs: qw), c.heads, $0) }
                let k = (0..<t).map { heads(linear(n[$0], b + "self_attn.k_proj", outputs: kvw), c.kvHeads, $0) }
                let v = n.map { linear($0, b + "self_attn.v_proj", outputs: kvw) }
                let a = attend(q, k, v, causal: true)
                x = (0..<t).map { add(x[$0], linear(a[$0], b + "self_attn.o_proj", outputs: d)) }
                x = x.map { xi in
                    let m = rmsNorm(xi, b + "post_attention_layernorm")
                    let gate = linear(m, b + "mlp.gate_proj", outputs: f).map(silu)
                    let up = linear(m, b + "mlp.up_proj", outputs: f)
                    return add(xi, linear(zip(gate, up).map { $0 * $1 }, b + "mlp.down_proj", outputs: d))
                }
            }
            x = x.map { rmsNorm($0, p + "norm") }
            let e = checkpoint["lm_head.weight"] != nil ? w("lm_head.weight") : w(p + "embed_tokens.weight")
            return (x, x.map { unembed($0, e) })
        }
    }
}
