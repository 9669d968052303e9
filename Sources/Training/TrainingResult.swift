import ModelRepo

/// A trained MLP with its metrics.
public struct TrainingResult: Sendable {
    /// F32 tensors `fc1.weight`, `fc1.bias`, …; metadata `mgit.training` holds the config as JSON.
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
