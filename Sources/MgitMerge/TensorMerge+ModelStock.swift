import MgitInterop
import MgitTensor

extension TensorMerge {
    /// Model Stock (Jang et al. 2024, eq. 2 and §3.2) as mergekit's `model_stock`.
    ///
    /// For each group (the whole tensor, or with `filterWise` each run of the last dimension of a tensor of two or
    /// more dimensions), with fine-tunes w_1…w_k (k ≥ 2) and offsets o_i = w_i − w_0:
    /// c = mean over pairs i < j of ⟨o_i, o_j⟩ / max(‖o_i‖·‖o_j‖, 1e-6), clamped to [−1, 1];
    /// t = k·c / (1 + (k−1)·c), or 0 where |1 + (k−1)·c| < 1e-6 (keep the base rather than amplify opposed updates);
    /// result t·mean(w_i) + (1−t)·w_0.
    ///
    /// - Parameters: `base`, `inputs[i]`: `n` elements; `shape` multiplies to `n`.
    /// - Returns: `n` elements; statistics: the (whole-tensor) mean pairwise cosine between offsets.
    static func modelStock(base: [Float], inputs: [[Float]], shape: [Int], filterWise: Bool)
        -> (values: [Float], statistics: TensorMergeStatistics) {
        let n = base.count, k = inputs.count
        let width = filterWise && shape.count >= 2 ? max(1, shape[shape.count - 1]) : n
        let offsets: [[Float]] = inputs.map { x in
            var d = x
            d.withUnsafeMutableBufferPointer { pd in
                base.withUnsafeBufferPointer { VectorBLAS.axpy(n, -1, $0.baseAddress!, pd.baseAddress!) }
            }
            return d
        }
        var out = [Float](repeating: 0, count: n)
        out.withUnsafeMutableBufferPointer { o in
            for start in stride(from: 0, to: n, by: width) {
                let m = min(width, n - start)
                var norms = [Double](repeating: 0, count: k)
                for i in 0..<k {
                    norms[i] = offsets[i].withUnsafeBufferPointer { p in
                        VectorBLAS.dot(m, p.baseAddress! + start, p.baseAddress! + start).squareRoot()
                    }
                }
                var sum = 0.0, pairs = 0
                for i in 0..<k {
                    for j in (i + 1)..<k {
                        let dot = offsets[i].withUnsafeBufferPointer { p in
                            offsets[j].withUnsafeBufferPointer { q in
                                VectorBLAS.dot(m, p.baseAddress! + start, q.baseAddress! + start)
                            }
                        }
                        sum += min(1, max(-1, dot / max(norms[i] * norms[j], 1e-6)))
                        pairs += 1
                    }
                }
                let c = sum / Double(pairs)
                let denominator = 1 + Double(k - 1) * c
                let t = abs(denominator) < 1e-6 ? 0 : Double(k) * c / denominator
                // o = t/k · Σ w_i + (1 − t) · w_0
                let dst = o.baseAddress! + start
                base.withUnsafeBufferPointer { b in
                    for j in 0..<m { dst[j] = Float(1 - t) * b[start + j] }
                }
                for x in inputs {
                    x.withUnsafeBufferPointer { VectorBLAS.axpy(m, Float(t / Double(k)), $0.baseAddress! + start, dst) }
                }
            }
        }
        return (out, TensorMergeStatistics(changeCosine: meanPairwiseCosine(offsets), signConflicts: nil))
    }
}
