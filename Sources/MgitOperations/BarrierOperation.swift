import Foundation
import MgitInterop
import MgitTensor
import MgitAlignment
import MgitMerge

extension Repository {
    /// Measures the loss barrier between two revisions, naive and aligned (``BarrierOperation``).
    ///
    /// - Parameter progress: (what, done, total) after each evaluated point or matching sweep.
    public func barrier(_ revisionA: String, _ revisionB: String, align: Bool = true, points: Int = 25, seed: UInt64 = 0,
                        specPath: String? = nil, evaluation: EvaluationOptions = EvaluationOptions(),
                        progress: (String, Int, Int) -> Void = { _, _, _ in }) throws -> BarrierReport {
        var operation = BarrierOperation(revisionA, revisionB)
        operation.align = align
        operation.points = points
        operation.seed = seed
        operation.specPath = specPath
        operation.evaluation = evaluation
        return try operation.run(in: self, progress: progress)
    }
}

/// `mgit barrier A B`: evaluates θ(λ) = (1−λ)·θ_A + λ·θ_B at evenly spaced λ, and, when aligning, the same path
/// after moving B into A's basin (Ainsworth et al. 2023 §2, loss barrier); records the measurement in the lineage
/// database.
public struct BarrierOperation {
    public var revisionA: String
    public var revisionB: String
    /// Measure the aligned path too.
    public var align = true
    public var points = 25
    public var seed: UInt64 = 0
    /// Weight-matching runs side by side; the best objective is kept.
    public var restarts = WeightMatching.defaultRestarts
    /// REPAIR (Jordan et al. 2022) the aligned path's interior models, when the built-in evaluator runs an MLP or VGG.
    public var repair = true
    /// Training samples REPAIR measures statistics on.
    public var repairSamples = 5000
    public var specPath: String?
    public var evaluation = EvaluationOptions()

    public init(_ revisionA: String, _ revisionB: String) {
        self.revisionA = revisionA
        self.revisionB = revisionB
    }

    /// The steps, in order: load both models and the evaluator; the naive path; align B (``AlignmentStep``, with
    /// its function check) and the aligned path; record the measurement when the repository is writable.
    public func run(in repo: Repository, progress: (String, Int, Int) -> Void = { _, _, _ in }) throws -> BarrierReport {
        let idA = try repo.resolve(revisionA), idB = try repo.resolve(revisionB)
        let a = try repo.loadCheckpoint(idA), b = try repo.loadCheckpoint(idB)
        try Interpolation.checkCompatible(a, b, names: ("'\(revisionA)'", "'\(revisionB)'"))
        let evaluator = try repo.evaluator(for: idA, evaluation, loaded: a)
        let naive = try LossBarrier.measure(a, b, points: points, label: "naive", evaluator: evaluator) {
            progress("naive path", $0, $1)
        }
        var aligned: LossBarrier.Measurement?
        var summary: AlignmentSummary?
        var repairSummary: Repair.Summary?
        if align {
            var step = AlignmentStep()
            step.specPath = specPath
            step.architecturePath = evaluation.architecturePath
            step.seed = seed
            step.restarts = restarts
            let result = try withoutActuallyEscaping(progress) { report in
                try step.run(a: a, b: b, sourceCommit: idB, names: ("'\(revisionA)'", "'\(revisionB)'"), in: repo) { p in
                    report("weight matching", p.sweep, 0)
                }
            }
            summary = result.summary
            let prepared = repair
                ? try RepairStep(samples: repairSamples).prepare(a: a, alignedB: result.permuted, evaluator: evaluator,
                                                                 data: evaluation.data) : nil
            repairSummary = prepared?.summary
            aligned = try LossBarrier.measure(a, result.permuted, points: points, label: "aligned", evaluator: evaluator,
                                              repair: prepared?.repair) {
                progress("aligned path", $0, $1)
            }
        }
        var report = BarrierReport(a: idA, b: idB, evaluator: evaluator.description, naive: naive, aligned: aligned,
                                   alignment: summary)
        report.repair = repairSummary
        if FileAccess.isWritable(repo.mgitDirectory) {
            try repo.recordOperation("barrier", status: "measured", commit: idA, branch: nil, report: report)
        }
        return report
    }
}
