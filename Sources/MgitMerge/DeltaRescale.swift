import MgitInterop
import MgitTensor

/// How the DARE and TIES methods scale the task-vector entries they keep after dropping or trimming the rest.
public enum DeltaRescale: String, Sendable, Codable, CaseIterable {
    /// Keep them as they are.
    case none
    /// Multiply them so the tensor's task vector keeps its L1 norm: mergekit 0.1.x's `rescale: true`.
    case l1
    /// Multiply them by 1/density, the DARE paper's rule (Yu et al. 2024, eq. 2): unbiased in expectation.
    case inverseDensity = "inverse-density"
}
