import MgitTensor
import MgitNetworks

/// A trained network with its metrics.
public struct TrainingResult: Sendable {
    /// F32 tensors (`fc1.weight`, … for an MLP; `features.0.weight`, `classifier.0.weight`, … for a CNN);
    /// metadata `mgit.training` holds the config as JSON.
    public var checkpoint: Checkpoint
    /// The architecture of `checkpoint`.
    public var spec: ArchitectureSpec
    /// Loss and accuracy on the training subset after the last epoch.
    public var train: EvalResult
    /// Loss and accuracy on the test set, when one was given.
    public var test: EvalResult?
    /// Wall-clock training time (excluding the final evaluations).
    public var seconds: Double
}
