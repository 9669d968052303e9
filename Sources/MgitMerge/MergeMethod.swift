import Foundation
import MgitInterop
import MgitTensor

/// How a merge combines its inputs: today's re-basin interpolation, or one of mergekit's methods.
///
/// The raw values are mgit's spellings; ``init(name:)`` also takes mergekit's (`task_arithmetic`, `dare_ties`, ...),
/// so a mergekit config's `merge_method` reads as it is.
public enum MergeMethod: String, Sendable, CaseIterable, Codable {
    /// Re-basin alignment of B into A's basin, then (1−α)·θ_A + α·θ_B (Ainsworth et al. 2023).
    case interpolate
    /// Σ w_i·θ_i, divided by Σ w_i when `normalize` (Wortsman et al. 2022, model soups).
    case linear
    /// θ_base + λ·Σ w_i·τ_i with task vectors τ_i = θ_i − θ_base (Ilharco et al. 2023).
    case taskArithmetic = "task-arithmetic"
    /// Task vectors trimmed to their largest `density`, a sign elected per element, agreeing entries averaged
    /// (Yadav et al. 2023, TIES-Merging).
    case ties
    /// Task vectors with entries dropped at random and rescaled, then summed (Yu et al. 2024, DARE).
    case dareLinear = "dare-linear"
    /// DARE's random drop, then TIES's sign election.
    case dareTies = "dare-ties"
    /// Spherical interpolation from the first input (t = 0) to the second (t = 1), tensor by tensor.
    case slerp
    /// θ_base + t·(mean θ_i − θ_base) with t from the angle between the fine-tunes (Jang et al. 2024, Model Stock).
    case modelStock = "model-stock"

    /// The method named `name` in mgit's spelling or mergekit's (underscores), or nil.
    public init?(name: String) {
        let spelled = name.lowercased().replacingOccurrences(of: "_", with: "-")
        self.init(rawValue: spelled)
    }

    /// The name a mergekit config uses (`task_arithmetic`); `interpolate` has no mergekit counterpart.
    public var mergekitName: String? {
        self == .interpolate ? nil : rawValue.replacingOccurrences(of: "-", with: "_")
    }

    /// Whether the method is defined relative to a base model (task vectors, model stock).
    public var needsBase: Bool {
        switch self {
        case .interpolate, .linear, .slerp: false
        case .taskArithmetic, .ties, .dareLinear, .dareTies, .modelStock: true
        }
    }

    /// Whether the method elects a sign per element (TIES-style consensus).
    public var electsSigns: Bool { self == .ties || self == .dareTies }

    /// Whether the method drops task-vector entries at random, so needs a seed.
    public var isRandom: Bool { self == .dareLinear || self == .dareTies }

    /// The fewest inputs the method merges, not counting the base.
    public var minimumInputs: Int { self == .modelStock ? 2 : (self == .slerp || self == .interpolate ? 2 : 1) }

    /// The most inputs the method merges, or nil for any number.
    public var maximumInputs: Int? { self == .slerp || self == .interpolate ? 2 : nil }

    /// mergekit 0.1.5's default for `normalize`: true for linear and TIES, false for task arithmetic and DARE.
    public var defaultNormalize: Bool { self == .linear || self == .ties }

    /// mergekit 0.1.5's default for `rescale`: the DARE methods rescale what they keep, TIES does not.
    public var defaultRescale: DeltaRescale { isRandom ? .l1 : .none }

    /// The names the method reads from a config's `parameters`, as mergekit spells them.
    public var parameterNames: [String] {
        switch self {
        case .interpolate: ["alpha"]
        case .linear: ["weight", "normalize"]
        case .taskArithmetic: ["weight", "lambda", "normalize"]
        case .ties, .dareLinear, .dareTies: ["weight", "density", "lambda", "normalize", "rescale"]
        case .slerp: ["t"]
        case .modelStock: ["filter_wise"]
        }
    }
}
