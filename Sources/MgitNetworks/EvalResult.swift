/// The loss and accuracy of a network on a dataset.
public struct EvalResult: Sendable, Equatable, Codable {
    /// Mean cross-entropy in nats.
    public var loss: Double
    /// The fraction of samples whose largest logit is the label's (the first largest on ties).
    public var accuracy: Double
    /// The number of samples evaluated.
    public var count: Int

    /// Wraps measured figures.
    public init(loss: Double, accuracy: Double, count: Int) {
        self.loss = loss
        self.accuracy = accuracy
        self.count = count
    }
}
