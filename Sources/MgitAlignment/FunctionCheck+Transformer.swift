import MgitInterop
import MgitNetworks
import MgitTensor

extension FunctionCheck {
    /// Checks that a permuted transformer computes the same function as the original on `tokens`.
    ///
    /// Logits (when the network has a head) are compared directly: the vocabulary is never permuted. The last
    /// hidden state comes out in the permuted residual basis (a sentence-transformers embedding does too), so
    /// column `i` of the permuted model's is compared with column `residual[i]` of the original's.
    ///
    /// - Parameters:
    ///   - residual: The residual permutation applied (`P_res`); nil for none.
    ///   - tokens: Probe ids `[B, T]`.
    /// - Returns: The worst difference over logits and hidden states, relative to max(1, largest magnitude).
    public static func run(transformer config: TransformerConfig, original: Checkpoint, permuted: Checkpoint,
                           residual: Permutation?, tokens: TokenBatch, tolerance: Double = 1e-4) throws -> FunctionCheck {
        let x = try TransformerNetwork(config: config, checkpoint: original).forward(tokens)
        let y = try TransformerNetwork(config: config, checkpoint: permuted).forward(tokens)
        var worst = 0.0
        func compare(_ a: [Float], _ b: [Float]) {
            let scale = Double(max(1, a.map(abs).max() ?? 0))
            for i in a.indices {
                let d = Double(abs(a[i] - b[i]))
                worst = d.isNaN ? .infinity : max(worst, d / scale)
            }
        }
        if let a = x.logits, let b = y.logits { compare(a.values, b.values) }
        let d = config.hiddenSize
        let p = residual?.indices ?? Array(0..<d)
        precondition(p.count == d, "a residual permutation of \(p.count) for a hidden size of \(d)")
        var unpermuted = [Float](repeating: 0, count: x.hidden.values.count)
        for r in 0..<x.hidden.rows { for i in 0..<d { unpermuted[r * d + p[i]] = y.hidden.values[r * d + i] } }
        compare(x.hidden.values, unpermuted)
        return FunctionCheck(samples: tokens.batch, maxRelativeDifference: worst, tolerance: tolerance)
    }
}
