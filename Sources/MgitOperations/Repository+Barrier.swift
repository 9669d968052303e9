import Foundation
import MgitInterop
import MgitLineage
import MgitAlignment
import MgitMerge

extension Repository {
    /// Evaluates θ(λ) = (1−λ)·θ_A + λ·θ_B at `points` evenly spaced λ, and, when `align`, the same path after
    /// weight-matching B to A; records the measurement in the lineage database.
    ///
    /// - Parameter progress: (what, done, total) after each evaluated point or matching sweep.
    public func barrier(_ revisionA: String, _ revisionB: String, align: Bool = true, points: Int = 25, seed: UInt64 = 0,
                        specPath: String? = nil, evaluation: EvaluationOptions = EvaluationOptions(),
                        progress: (String, Int, Int) -> Void = { _, _, _ in }) throws -> BarrierReport {
        let idA = try resolve(revisionA), idB = try resolve(revisionB)
        let a = try loadCheckpoint(idA), b = try loadCheckpoint(idB)
        try Interpolation.checkCompatible(a, b, names: ("'\(revisionA)'", "'\(revisionB)'"))
        let evaluator = try self.evaluator(for: idA, evaluation, loaded: a)
        let naive = try LossBarrier.measure(a, b, points: points, label: "naive", evaluator: evaluator) {
            progress("naive path", $0, $1)
        }
        var aligned: LossBarrier.Measurement?
        var summary: AlignmentSummary?
        if align {
            let spec = try permutationSpec(for: b, specPath: specPath)
            let match = try withoutActuallyEscaping(progress) { report in
                try WeightMatching.match(a: a, b: b, spec: spec, seed: seed) { p in report("weight matching", p.sweep, 0) }
            }
            let permuted = try spec.apply(match.permutations, to: b)
            summary = AlignmentSummary(method: "weight", objectiveBefore: match.report.objectiveBefore,
                                       objectiveAfter: match.report.objectiveAfter, sweeps: match.report.sweeps,
                                       seconds: match.report.seconds)
            aligned = try LossBarrier.measure(a, permuted, points: points, label: "aligned", evaluator: evaluator) {
                progress("aligned path", $0, $1)
            }
        }
        let report = BarrierReport(a: idA, b: idB, evaluator: evaluator.description, naive: naive, aligned: aligned,
                                   alignment: summary)
        if FileAccess.isWritable(mgitDirectory) {
            try lineage.recordOperation(OperationRow(id: nil, kind: "barrier", status: "measured", commitId: idA, branch: nil,
                                                     details: try Self.jsonText(report), time: Date().timeIntervalSince1970))
        }
        return report
    }
}
