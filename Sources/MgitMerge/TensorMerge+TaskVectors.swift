import MgitInterop
import MgitTensor

extension TensorMerge {
    /// Task arithmetic, TIES, DARE-linear and DARE-TIES: mergekit's generalized task arithmetic.
    ///
    /// With task vectors τ_i = x_i − base (`n` elements each):
    /// 1. sparsify: TIES keeps the ⌊density·n⌋ (at least one) largest |τ_i| (``MagnitudeTrim``), DARE keeps each
    ///    entry with probability density (``DropMask``); kept entries are rescaled per ``DeltaRescale``;
    /// 2. weight: d_i = w_i·τ_i;
    /// 3. consensus (TIES, DARE-TIES; Yadav et al. 2023 §3 "elect"): per element the sign of Σ_i d_i (zero counts
    ///    as positive) is elected and only the d_i of that sign (zeros never) are summed; the divisor is the sum of
    ///    the weights of the entries summed (1 where none). Without consensus all d_i are summed and the divisor
    ///    is Σ w_i (1 when |Σ w_i| < 1e-8);
    /// 4. the sum is divided by the divisor when `normalize`, multiplied by λ, and added to the base.
    ///
    /// - Returns: `n` merged values; statistics: the mean pairwise cosine between the (unsparsified) τ_i, and for
    ///   consensus methods the fraction of elements where kept changes of opposite signs met.
    static func taskVectors(
        method: MergeMethod, base: [Float], inputs: [[Float]], parameters: TensorMergeParameters,
        randomness: DropMask.Stream
    ) -> (values: [Float], statistics: TensorMergeStatistics) {
        let n = base.count, k = inputs.count
        var deltas: [[Float]] = inputs.map { x in
            var d = x
            d.withUnsafeMutableBufferPointer { pd in
                base.withUnsafeBufferPointer { VectorBLAS.axpy(n, -1, $0.baseAddress!, pd.baseAddress!) }
            }
            return d
        }
        let cosine = meanPairwiseCosine(deltas)
        for i in 0..<k {
            let density = parameters.densities[i]
            switch method {
            case .ties:
                MagnitudeTrim.apply(&deltas[i], density: density, rescale: parameters.rescale)
            case .dareLinear, .dareTies:
                DropMask.apply(&deltas[i], density: density, rescale: parameters.rescale,
                               stream: randomness.forInput(i))
            default:
                break
            }
            let w = Float(parameters.weights[i])
            if w != 1 { deltas[i].withUnsafeMutableBufferPointer { VectorBLAS.scale(n, w, $0.baseAddress!) } }
        }

        var mixed = [Float](repeating: 0, count: n)
        var conflicts: Double?
        if method.electsSigns {
            var divisor = [Float](repeating: 0, count: n)
            var elected = [Float](repeating: 0, count: n)
            elected.withUnsafeMutableBufferPointer { s in
                for d in deltas { d.withUnsafeBufferPointer { VectorBLAS.axpy(n, 1, $0.baseAddress!, s.baseAddress!) } }
            }
            var positive = [UInt8](repeating: 0, count: n), negative = [UInt8](repeating: 0, count: n)
            mixed.withUnsafeMutableBufferPointer { m in
                divisor.withUnsafeMutableBufferPointer { v in
                    positive.withUnsafeMutableBufferPointer { up in
                        negative.withUnsafeMutableBufferPointer { down in
                            elected.withUnsafeBufferPointer { s in
                                for (i, d) in deltas.enumerated() {
                                    let w = Float(parameters.weights[i])
                                    d.withUnsafeBufferPointer { d in
                                        for j in 0..<n {
                                            let keep = s[j] >= 0 ? d[j] > 0 : d[j] < 0
                                            m[j] += keep ? d[j] : 0
                                            v[j] += keep ? w : 0
                                            up[j] |= d[j] > 0 ? 1 : 0
                                            down[j] |= d[j] < 0 ? 1 : 0
                                        }
                                    }
                                }
                            }
                        }
                    }
                    if parameters.normalize {
                        for j in 0..<n { m[j] /= v[j] == 0 ? 1 : v[j] }
                    }
                }
            }
            var both = 0
            positive.withUnsafeBufferPointer { up in
                negative.withUnsafeBufferPointer { down in
                    for j in 0..<n { both &+= Int(up[j] & down[j]) }
                }
            }
            conflicts = n == 0 ? 0 : Double(both) / Double(n)
        } else {
            mixed.withUnsafeMutableBufferPointer { m in
                for d in deltas { d.withUnsafeBufferPointer { VectorBLAS.axpy(n, 1, $0.baseAddress!, m.baseAddress!) } }
                if parameters.normalize {
                    var total = Float(0)
                    for w in parameters.weights { total += Float(w) }
                    if abs(total) < 1e-8 { total = 1 }
                    for j in 0..<n { m[j] /= total }
                }
            }
        }
        mixed.withUnsafeMutableBufferPointer { m in
            if parameters.lambda != 1 { VectorBLAS.scale(n, Float(parameters.lambda), m.baseAddress!) }
            base.withUnsafeBufferPointer { b in
                for j in 0..<n { m[j] = b[j] + m[j] }
            }
        }
        return (mixed, TensorMergeStatistics(changeCosine: cosine, signConflicts: conflicts))
    }

    /// The mean over pairs i < j of cos(v_i, v_j), dot products in double precision; nil for fewer than two
    /// vectors, and a pair with a zero vector counts as 0.
    static func meanPairwiseCosine(_ vectors: [[Float]]) -> Double? {
        guard vectors.count >= 2, let n = vectors.first?.count else { return nil }
        let norms = vectors.map { v in v.withUnsafeBufferPointer { VectorBLAS.dot(n, $0.baseAddress!, $0.baseAddress!).squareRoot() } }
        var sum = 0.0, pairs = 0
        for i in 0..<vectors.count {
            for j in (i + 1)..<vectors.count {
                pairs += 1
                let denominator = norms[i] * norms[j]
                guard denominator > 0 else { continue }
                let dot = vectors[i].withUnsafeBufferPointer { a in
                    vectors[j].withUnsafeBufferPointer { b in VectorBLAS.dot(n, a.baseAddress!, b.baseAddress!) }
                }
                sum += dot / denominator
            }
        }
        return sum / Double(pairs)
    }
}
