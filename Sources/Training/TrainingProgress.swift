/// A report after each optimiser step, for a progress bar.
public struct TrainingProgress: Sendable {
    /// The current epoch, from 1.
    public var epoch: Int
    /// The number of epochs.
    public var epochs: Int
    /// The step within the epoch, from 1.
    public var step: Int
    /// Steps in each epoch.
    public var stepsPerEpoch: Int
    /// The mean cross-entropy of this step's batch (nats).
    public var loss: Double
    /// Training throughput so far in this epoch.
    public var samplesPerSecond: Double
}
