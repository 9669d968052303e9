import Foundation
import MgitInterop
import MgitStore
import MgitLineage
import MgitAlignment
import MgitHooks
import MgitMerge

/// Options of `mgit merge`.
public struct MergeOptions: Sendable {
    /// θ = (1−α)·θ_A + α·π(θ_B).
    public var alpha = 0.5
    /// Align B into A's basin first (unless its head already is a rebase onto A's head).
    public var align = true
    /// The branch that receives the merge commit (default: A).
    public var into: String?
    /// Refuse a loss barrier above this (else config `merge.maxBarrier`; nil: no limit).
    public var maxBarrier: Double?
    public var points = 25
    public var seed: UInt64 = 0
    /// Weight-matching runs side by side when the merge aligns; the best objective is kept.
    public var restarts = WeightMatching.defaultRestarts
    /// REPAIR (Jordan et al. 2022) the barrier path's interior models and the merged model, when the built-in
    /// evaluator runs an MLP or VGG and B is aligned.
    public var repair = true
    /// Training samples REPAIR measures statistics on.
    public var repairSamples = 5000
    public var specPath: String?
    public var evaluation = EvaluationOptions()
    public var message: String?

    public init() {}
}

extension Repository {
    /// Merges branch `branchB` into `branchA` (``MergeOperation``).
    public func merge(_ branchA: String, _ branchB: String, options: MergeOptions = MergeOptions(),
                      progress: (String, Int, Int) -> Void = { _, _, _ in }) throws -> MergeReport {
        try MergeOperation(branchA, branchB, options: options).run(in: self, progress: progress)
    }
}

/// `mgit merge A B`: aligns B into A's basin, measures the loss barrier on the path, applies the policy and the
/// pre-merge hooks, and if all accept commits θ = (1−α)·θ_A + α·π(θ_B) on A with two parents (A's head and the
/// aligned B commit).
///
/// A refused merge moves no ref and writes no reachable object; it is recorded in the lineage database as
/// `rejected`, and the report says who refused it (``MergeReport/accepted`` is false).
public struct MergeOperation {
    public var branchA: String
    public var branchB: String
    public var options: MergeOptions

    public init(_ branchA: String, _ branchB: String, options: MergeOptions = MergeOptions()) {
        self.branchA = branchA
        self.branchB = branchB
        self.options = options
    }

    /// The steps, in order: check the options and branches; load both models; align B (``AlignmentStep``, unless
    /// B's head already is a rebase onto A's head) and write the aligned commit; measure the barrier; interpolate
    /// and measure the merged model; the `merge.maxBarrier` policy, then the pre-merge hooks (``HookGate``);
    /// commit, or record the refusal.
    public func run(in repo: Repository, progress: (String, Int, Int) -> Void = { _, _, _ in }) throws -> MergeReport {
        guard options.alpha >= 0 && options.alpha <= 1 else {
            throw MgitError(.invalidInput, "alpha must be between 0 and 1, got \(options.alpha)", parameter: "alpha")
        }
        guard let headA = try repo.git.referenceTarget("refs/heads/" + branchA) else {
            throw MgitError(.notFound, "no branch '\(branchA)' to merge into (see 'mgit branch')")
        }
        let headB = try repo.git.resolveCommit(branchB)
        let into = options.into ?? branchA
        let intoHead = try repo.git.referenceTarget("refs/heads/" + into)
        if intoHead != nil && intoHead != headA {
            throw MgitError(.invalidInput, "branch '\(into)' exists and is not at \(branchA)'s head; name a new branch "
                            + "to receive the merge", parameter: "into")
        }
        try repo.requireWritable("merge '\(branchB)' into '\(into)'")
        let maxBarrier = try options.maxBarrier ?? repo.configuredDouble("merge.maxBarrier")
        // A NaN limit compares false with every barrier: refused before anything is measured.
        if let maxBarrier, !(maxBarrier.isFinite && maxBarrier >= 0) {
            throw MgitError(.invalidInput, "the barrier limit must be a number ≥ 0, got \(maxBarrier)", parameter: "max-barrier")
        }

        let a = try repo.loadCheckpoint(headA.hex), b = try repo.loadCheckpoint(headB.hex)
        try Interpolation.checkCompatible(a, b, names: ("'\(branchA)'", "'\(branchB)'"))
        let evaluator = try repo.evaluator(for: headA.hex, options.evaluation, loaded: a)

        // Alignment: none, already done (B's head is a rebase onto A's head), or the shared alignment step now.
        var alignedB = b
        var alignedCommit = headB
        var alignment = "none"
        var summary: AlignmentSummary?
        if options.align {
            let record = try repo.lineage.commit(headB.hex)
            if record?.operation == "rebase", try repo.lineage.sources(of: headB.hex).first == headA.hex {
                alignment = "lineage"
            } else {
                var step = AlignmentStep()
                step.specPath = options.specPath
                step.architecturePath = options.evaluation.architecturePath
                step.seed = options.seed
                step.restarts = options.restarts
                let aligned = try withoutActuallyEscaping(progress) { report in
                    try step.run(a: a, b: b, sourceCommit: headB.hex, names: ("'\(branchA)'", "'\(branchB)'"), in: repo) { p in
                        report("weight matching", p.sweep, 0)
                    }
                }
                alignedB = aligned.permuted
                alignment = "weight"
                summary = aligned.summary
                // The aligned model becomes a commit on top of B's head that only the merge will reference: branch
                // B does not move, and a refused merge leaves it unreachable. Its operation.json is a rebase's.
                let rebase = RebaseReport(branch: branchB, source: headB.hex, basin: headA.hex, method: .weight,
                                          seed: options.seed, objectiveBefore: aligned.objectiveBefore,
                                          objectiveAfter: aligned.objectiveAfter, sweeps: aligned.sweeps,
                                          converged: aligned.converged, seconds: aligned.seconds,
                                          unitsMoved: aligned.unitsMoved, functionCheck: aligned.functionCheck,
                                          commit: nil, dryRun: false, functionCheckSkipped: aligned.functionCheckSkipped,
                                          restarts: aligned.restarts)
                let request = try step.commitRequest(
                    aligned, report: rebase,
                    message: "align \(branchB) into \(branchA)'s basin (weight matching, for a merge)", branch: nil,
                    parents: [headB], architectureFile: try repo.rootFile("arch.json", at: headB.hex))
                alignedCommit = try repo.writeDetachedCommit(aligned.permuted, request)
            }
        }
        let repair = options.repair && alignment != "none"
            ? try RepairStep(samples: options.repairSamples).prepare(a: a, alignedB: alignedB, evaluator: evaluator,
                                                                    data: options.evaluation.data) : nil
        let barrier = try LossBarrier.measure(a, alignedB, points: options.points, label: alignment == "none" ? "naive" : "aligned",
                                              evaluator: evaluator, repair: repair?.repair) { progress("barrier", $0, $1) }
        var mix = try Interpolation.interpolate(a, alignedB, lambda: options.alpha)
        if let repair { mix = try repair.repair.repair(mix, lambda: options.alpha) }
        let merged = try evaluator.prepare(mix)
        progress("merged model", 0, 1)
        let mergedFigures = try evaluator.evaluate(prepared: merged)
        guard let first = barrier.curve.points.first, let last = barrier.curve.points.last else {
            throw MgitError(.invalidInput, "the barrier was measured at no point; measure at least two", parameter: "points")
        }
        var report = MergeReport(
            branchA: branchA, branchB: branchB, commitA: headA.hex, commitB: headB.hex, alignedB: alignedCommit.hex,
            alignment: alignment, alignmentSummary: summary, alpha: options.alpha, evaluator: evaluator.description,
            barrier: barrier,
            a: .init(commit: headA.hex, loss: first.loss, accuracy: first.accuracy),
            b: .init(commit: alignedCommit.hex, loss: last.loss, accuracy: last.accuracy),
            merged: .init(commit: nil, loss: mergedFigures.loss, accuracy: mergedFigures.accuracy),
            maxBarrier: maxBarrier, hooks: [], accepted: true, rejectedBy: [], commit: nil, into: into)
        report.repair = repair?.summary

        let gate = if let maxBarrier, barrier.lossBarrier > maxBarrier {
            HookGate.refusedByPolicy("merge.maxBarrier")
        } else {
            try HookGate.ask("pre-merge", in: repo, payload: report, environment: Self.hookEnvironment(report))
        }
        report.hooks = gate.hooks
        report.rejectedBy = gate.rejectedBy
        report.accepted = gate.accepted
        guard report.accepted else {
            try repo.recordOperation("merge", status: "rejected", branch: into, report: report)
            return report
        }

        let details = try JSONDecoder().decode(JSONDocument.self, from: JSONEncoder().encode(report))
        let source = options.evaluation.command == nil ? options.evaluation.data : "external"
        let metrics = [Metric(name: "loss", value: mergedFigures.loss, split: "test", source: source)]
            + (mergedFigures.accuracy.map { [Metric(name: "accuracy", value: $0, split: "test", source: source)] } ?? [])
        var request = CommitRequest(
            message: options.message ?? "merge \(branchB) into \(branchA) (α = \(options.alpha), loss barrier \(String(format: "%.4f", barrier.lossBarrier)))",
            branch: into,
            operation: OperationRecord(operation: "merge", branch: into, sources: [headB.hex], metrics: metrics, details: details),
            author: nil,
            trailers: [("Alpha", "\(options.alpha)"), ("Alignment", alignment),
                       ("Loss-Barrier", String(format: "%.6f", barrier.lossBarrier))],
            parents: [headA, alignedCommit])
        request.expectedHead = intoHead
        if let arch = try repo.rootFile("arch.json", at: headA.hex) { request.extraFiles["arch.json"] = arch }
        let committed = try repo.commit(merged, request)
        report.commit = committed.commit
        report.merged.commit = committed.commit
        return report
    }

    /// The environment variables a pre-merge hook reads (docs/HOOKS.md).
    package static func hookEnvironment(_ r: MergeReport) -> [String: String] {
        var env: [String: String] = [
            "MGIT_BRANCH_A": r.branchA, "MGIT_BRANCH_B": r.branchB, "MGIT_COMMIT_A": r.commitA, "MGIT_COMMIT_B": r.commitB,
            "MGIT_ALIGNED_B": r.alignedB, "MGIT_ALIGNMENT": r.alignment, "MGIT_ALPHA": "\(r.alpha)",
            "MGIT_LOSS_BARRIER": "\(r.barrier.lossBarrier)", "MGIT_LOSS_A": "\(r.a.loss)", "MGIT_LOSS_B": "\(r.b.loss)",
            "MGIT_MERGED_LOSS": "\(r.merged.loss)", "MGIT_INTO": r.into,
        ]
        if let v = r.barrier.accuracyBarrier { env["MGIT_ACC_BARRIER"] = "\(v)" }
        if let v = r.a.accuracy { env["MGIT_ACCURACY_A"] = "\(v)" }
        if let v = r.b.accuracy { env["MGIT_ACCURACY_B"] = "\(v)" }
        if let v = r.merged.accuracy { env["MGIT_MERGED_ACCURACY"] = "\(v)" }
        return env
    }
}

extension Repository {
    /// A number from `.mgit/config`, or nil when unset.
    package func configuredDouble(_ key: String) throws -> Double? {
        guard let text = configValue(key) else { return nil }
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else {
            throw MgitError(.invalidInput, "\(key) is '\(text)' in .mgit/config; it must be a number (mgit config \(key) 0.2)")
        }
        return value
    }
}
