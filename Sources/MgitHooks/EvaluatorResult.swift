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

extension EvaluatorResult {
    /// Keys under which an evaluator may report how many samples it measured (docs/EVALUATORS.md).
    static let sampleCountKeys = ["examples", "samples", "count"]

    /// Why these figures cannot be a measurement, or nil when they can: a loss that is not a finite number
    /// ≥ 0, an accuracy outside [0, 1], a figure that is not finite, or a sample count of 0 (a loss over no
    /// data is 0 and would pass every barrier gate).
    var rangeProblem: String? {
        guard loss.isFinite, loss >= 0 else { return "\"loss\" is \(loss); a loss must be a finite number ≥ 0" }
        if let accuracy, !(accuracy >= 0 && accuracy <= 1) {
            return "\"accuracy\" is \(accuracy); an accuracy must be a fraction in [0, 1]"
        }
        if let (key, value) = extra.first(where: { !$0.value.isFinite }) {
            return "\"\(key)\" is \(value), not a finite number"
        }
        if let key = Self.sampleCountKeys.first(where: { extra[$0] != nil }), let count = extra[key], !(count >= 1) {
            return "\"\(key)\" is \(count): an evaluation needs at least one sample"
        }
        return nil
    }
}
