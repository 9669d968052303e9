import MgitInterop
import MgitTensor

/// One tensor merged by one method: the arithmetic of mergekit's methods on `Float` values.
///
/// Every function takes the tensors flattened row-major (`n` elements each; `shape` only matters to Model Stock's
/// filter-wise mode) and returns the merged values as `Float`; the caller converts back to the output dtype
/// (rounding to nearest even). Loops are BLAS level-1 calls or branch-free pointer loops the compiler vectorises.
/// Parameter meanings and defaults are mergekit 0.1.5's (`merge_methods/*.py`, `sparsify.py`).
public enum TensorMerge {
    /// Merges one tensor.
    ///
    /// - Parameters:
    ///   - base: The base's values, `n` elements, or nil for methods without a base (linear, SLERP).
    ///   - inputs: The merged inputs' values in order, each `n` elements (SLERP: exactly two, t = 0 at the first).
    ///   - shape: The tensor's shape; its element count is `n`.
    ///   - parameters: Resolved for this tensor; `weights` and `densities` have one value per input.
    ///   - randomness: Where DARE's drops come from for this tensor.
    /// - Returns: The merged values (`n` elements) and the statistics the merge report lists.
    public static func merge(
        method: MergeMethod, base: [Float]?, inputs: [[Float]], shape: [Int],
        parameters: TensorMergeParameters, randomness: DropMask.Stream
    ) throws -> (values: [Float], statistics: TensorMergeStatistics) {
        let n = shape.reduce(1, *)
        precondition(inputs.allSatisfy { $0.count == n } && (base?.count ?? n) == n, "inputs of \(n) elements")
        precondition(parameters.weights.count == inputs.count && parameters.densities.count == inputs.count)
        if n == 0, method != .linear, method != .interpolate {
            return (base ?? inputs.first ?? [], TensorMergeStatistics(changeCosine: nil, signConflicts: nil))
        }
        switch method {
        case .linear:
            return (try linear(inputs, parameters: parameters), TensorMergeStatistics(changeCosine: nil, signConflicts: nil))
        case .interpolate:
            return (try linear(inputs, parameters: parametersForLerp(t: parameters.t, base: parameters)),
                    TensorMergeStatistics(changeCosine: nil, signConflicts: nil))
        case .slerp:
            guard inputs.count == 2 else {
                throw MgitError(.invalidInput, "slerp merges exactly two models, got \(inputs.count): name two revisions")
            }
            return (slerp(inputs[0], inputs[1], t: parameters.t), TensorMergeStatistics(changeCosine: nil, signConflicts: nil))
        case .taskArithmetic, .ties, .dareLinear, .dareTies:
            guard let base else { throw missingBase(method) }
            return taskVectors(method: method, base: base, inputs: inputs, parameters: parameters, randomness: randomness)
        case .modelStock:
            guard let base else { throw missingBase(method) }
            guard inputs.count >= 2 else {
                throw MgitError(.invalidInput, "model-stock needs at least two fine-tunes besides the base, got \(inputs.count)")
            }
            return modelStock(base: base, inputs: inputs, shape: shape, filterWise: parameters.filterWise)
        }
    }

    /// Σ w_i·x_i, divided by Σ w_i when `normalize` (mergekit `linear`).
    ///
    /// - Parameter inputs: `k` vectors of `n` elements.
    /// - Returns: `n` elements.
    /// - Throws: `.invalidInput` when normalising by weights that sum to zero.
    static func linear(_ inputs: [[Float]], parameters: TensorMergeParameters) throws -> [Float] {
        let n = inputs.first?.count ?? 0
        var out = [Float](repeating: 0, count: n)
        let total = parameters.weights.reduce(0, +)
        if parameters.normalize && total == 0 {
            throw MgitError(.invalidInput, "linear merge weights \(parameters.weights) sum to zero; "
                            + "give weights with a non-zero sum or set normalize: false")
        }
        out.withUnsafeMutableBufferPointer { y in
            guard let py = y.baseAddress else { return }
            for (x, w) in zip(inputs, parameters.weights) {
                x.withUnsafeBufferPointer { VectorBLAS.axpy(n, Float(w), $0.baseAddress!, py) }
            }
            if parameters.normalize {
                let d = Float(total)
                for j in 0..<n { py[j] /= d }
            }
        }
        return out
    }

    /// `interpolate` without alignment is linear with weights (1−t, t) and no normalisation.
    private static func parametersForLerp(t: Double, base: TensorMergeParameters) -> TensorMergeParameters {
        var p = base
        p.weights = [1 - t, t]
        p.normalize = false
        return p
    }

    static func missingBase(_ method: MergeMethod) -> MgitError {
        MgitError(.invalidInput, "\(method.rawValue) merges task vectors from a base model and none was given: "
                  + "name one with --base REV (or base_model in the config)")
    }
}

/// What the merge report says about one tensor that several inputs changed.
public struct TensorMergeStatistics: Sendable, Equatable, Codable {
    /// The mean cosine between the inputs' changes from the base (pairwise), or nil without a base.
    public var changeCosine: Double?
    /// For TIES-style methods: the fraction of elements whose kept changes disagree in sign.
    public var signConflicts: Double?

    public init(changeCosine: Double?, signConflicts: Double?) {
        self.changeCosine = changeCosine
        self.signConflicts = signConflicts
    }
}
