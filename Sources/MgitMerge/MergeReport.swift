import MgitHooks
/// What `mgit merge` measured and decided.
public struct MergeReport: Codable, Sendable, Equatable {
    /// Loss and accuracy of one model in the merge.
    public struct ModelFigures: Codable, Sendable, Equatable {
        public var commit: String?
        public var loss: Double
        public var accuracy: Double?

        /// The memberwise initializer, for the modules above this one.
        package init(commit: String? = nil, loss: Double, accuracy: Double? = nil) {
            self.commit = commit
            self.loss = loss
            self.accuracy = accuracy
        }
    }

    public var branchA: String
    public var branchB: String
    public var commitA: String
    /// B's head as given.
    public var commitB: String
    /// The commit whose weights were mixed: B's head aligned into A's basin (or B's head itself).
    public var alignedB: String
    /// `weight` (aligned by this merge), `lineage` (B's head already is a rebase onto A's head) or `none`.
    public var alignment: String
    public var alignmentSummary: AlignmentSummary?
    /// REPAIR of the barrier path's interior models and of the merged model (nil: off, or not applicable).
    public var repair: Repair.Summary?
    public var alpha: Double
    public var evaluator: String
    /// The path from A (λ = 0) to the aligned B (λ = 1).
    public var barrier: LossBarrier.Measurement
    public var a: ModelFigures
    public var b: ModelFigures
    public var merged: ModelFigures
    /// The built-in policy's limit on the loss barrier (`--max-barrier` or `merge.maxBarrier`), if any.
    public var maxBarrier: Double?
    public var hooks: [HookOutcome]
    public var accepted: Bool
    /// Who refused the merge: `merge.maxBarrier` or the hooks that rejected it.
    public var rejectedBy: [String]
    /// The merge commit, when accepted.
    public var commit: String?
    /// The branch that received the merge commit.
    public var into: String

    /// The memberwise initializer, for the modules above this one.
    package init(branchA: String, branchB: String, commitA: String, commitB: String, alignedB: String, alignment: String, alignmentSummary: AlignmentSummary? = nil, alpha: Double, evaluator: String, barrier: LossBarrier.Measurement, a: ModelFigures, b: ModelFigures, merged: ModelFigures, maxBarrier: Double? = nil, hooks: [HookOutcome], accepted: Bool, rejectedBy: [String], commit: String? = nil, into: String) {
        self.branchA = branchA
        self.branchB = branchB
        self.commitA = commitA
        self.commitB = commitB
        self.alignedB = alignedB
        self.alignment = alignment
        self.alignmentSummary = alignmentSummary
        self.alpha = alpha
        self.evaluator = evaluator
        self.barrier = barrier
        self.a = a
        self.b = b
        self.merged = merged
        self.maxBarrier = maxBarrier
        self.hooks = hooks
        self.accepted = accepted
        self.rejectedBy = rejectedBy
        self.commit = commit
        self.into = into
    }
}
