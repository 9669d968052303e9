import MgitAlignment
/// What `mgit barrier` measured: the naive path and, with alignment, the path after weight matching.
public struct BarrierReport: Codable, Sendable, Equatable {
    public var a: String
    public var b: String
    /// The evaluator: the data set, or the external command.
    public var evaluator: String
    public var naive: LossBarrier.Measurement
    public var aligned: LossBarrier.Measurement?
    /// How B was aligned to A (nil without alignment).
    public var alignment: AlignmentSummary?
    /// REPAIR of the aligned path's interior models (nil: off, or not applicable).
    public var repair: Repair.Summary?

    /// 1 − aligned/naive loss barrier: 0.95 means alignment removed 95% of the barrier.
    public var lossBarrierReduction: Double? {
        guard let aligned, naive.lossBarrier > 0 else { return nil }
        return 1 - aligned.lossBarrier / naive.lossBarrier
    }

    /// The memberwise initializer, for the modules above this one.
    package init(a: String, b: String, evaluator: String, naive: LossBarrier.Measurement, aligned: LossBarrier.Measurement? = nil, alignment: AlignmentSummary? = nil) {
        self.a = a
        self.b = b
        self.evaluator = evaluator
        self.naive = naive
        self.aligned = aligned
        self.alignment = alignment
    }
}

/// The weight matching behind an aligned path.
public struct AlignmentSummary: Codable, Sendable, Equatable {
    public var method: String
    public var objectiveBefore: Double
    public var objectiveAfter: Double
    public var sweeps: Int
    public var seconds: Double
    /// The probe that proves the aligned model computes the same function as the original (the same check
    /// `mgit rebase` runs); nil when the architecture is unknown (see ``functionCheckSkipped``).
    public var functionCheck: FunctionCheck?
    /// Why no function check ran, when none did.
    public var functionCheckSkipped: String?
    /// Every weight-matching run when there were restarts: the spread of their objectives; the best was kept.
    public var restarts: [WeightMatching.Run]?

    /// The memberwise initializer, for the modules above this one.
    package init(method: String, objectiveBefore: Double, objectiveAfter: Double, sweeps: Int, seconds: Double,
                 functionCheck: FunctionCheck? = nil, functionCheckSkipped: String? = nil,
                 restarts: [WeightMatching.Run]? = nil) {
        self.restarts = restarts
        self.method = method
        self.objectiveBefore = objectiveBefore
        self.objectiveAfter = objectiveAfter
        self.sweeps = sweeps
        self.seconds = seconds
        self.functionCheck = functionCheck
        self.functionCheckSkipped = functionCheckSkipped
    }
}

extension BarrierReport {
    /// The report's curves as a plot (SVG or terminal chart).
    public var plot: BarrierPlot {
        BarrierPlot(title: "Loss barrier: \(a.prefix(10)) → \(b.prefix(10))",
                    naive: .init(naive.curve, lossBarrier: naive.lossBarrier, accuracyBarrier: naive.accuracyBarrier),
                    aligned: aligned.map { .init($0.curve, lossBarrier: $0.lossBarrier, accuracyBarrier: $0.accuracyBarrier) })
    }
}
