import MgitInterop
import MgitTensor

/// Every parameter of a merge method, resolved for one tensor (filters and layer gradients already applied).
///
/// `weights` and `densities` hold one value per merged input in input order (the base has none). Values a method
/// does not read keep their defaults and are not recorded.
public struct TensorMergeParameters: Sendable, Equatable, Codable {
    /// w_i: the weight of each input's tensor (linear) or task vector (task arithmetic, TIES, DARE).
    public var weights: [Double]
    /// The fraction of each task vector's entries kept (TIES: the largest; DARE: at random); 1 keeps all.
    public var densities: [Double]
    /// λ: the factor on the merged task vector.
    public var lambda: Double
    /// Whether the merged tensor or task vector is divided by the sum of the weights that contributed.
    public var normalize: Bool
    /// How kept task-vector entries are scaled after dropping or trimming.
    public var rescale: DeltaRescale
    /// SLERP's position between the first input (0) and the second (1); `interpolate`'s α.
    public var t: Double
    /// Model Stock: one interpolation ratio per row of the last dimension instead of one per tensor.
    public var filterWise: Bool

    /// The defaults of `method` (mergekit 0.1.5's) for `inputs` merged inputs: weights 1, density 1, λ 1, t 0.5.
    public init(method: MergeMethod, inputs: Int) {
        weights = Array(repeating: 1, count: inputs)
        densities = Array(repeating: 1, count: inputs)
        lambda = 1
        normalize = method.defaultNormalize
        rescale = method.defaultRescale
        t = 0.5
        filterWise = false
    }
}
