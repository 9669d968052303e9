/// What an external evaluator measured on one checkpoint: the last line of its stdout (docs/EVALUATORS.md).
public struct EvaluatorResult: Codable, Sendable, Equatable {
    /// The mean loss (required).
    public var loss: Double
    /// The accuracy, in whatever units the evaluator reports (usually a fraction in [0, 1]).
    public var accuracy: Double?
    /// Every other numeric key of the JSON line (`"top5": 0.98`), kept for the lineage record.
    public var extra: [String: Double]

    /// A result with `loss` and, optionally, `accuracy` and other figures.
    public init(loss: Double, accuracy: Double? = nil, extra: [String: Double] = [:]) {
        self.loss = loss
        self.accuracy = accuracy
        self.extra = extra
    }
}
