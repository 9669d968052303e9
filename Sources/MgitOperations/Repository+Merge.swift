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
    public var specPath: String?
    public var evaluation = EvaluationOptions()
    public var message: String?

    public init() {}
}

extension Repository {
    /// Merges branch `branchB` into `branchA`: aligns B into A's basin, measures the loss barrier on the path,
    /// applies the built-in policy and the pre-merge hooks, and if all accept commits
    /// θ = (1−α)·θ_A + α·π(θ_B) with two parents (A's head and the aligned B commit).
    ///
    /// A refused merge moves no ref and writes no reachable object; it is recorded in the lineage database
    /// as `rejected`, and the returned report says who refused it (``MergeReport/accepted`` is false).
    public func merge(_ branchA: String, _ branchB: String, options: MergeOptions = MergeOptions(),
                      progress: (String, Int, Int) -> Void = { _, _, _ in }) throws -> MergeReport {
        guard options.alpha >= 0 && options.alpha <= 1 else {
            throw MgitError(.invalidInput, "--alpha must be between 0 and 1, got \(options.alpha)")
        }
        guard let headA = try git.referenceTarget("refs/heads/" + branchA) else {
            throw MgitError(.notFound, "no branch '\(branchA)' to merge into (see 'mgit branch')")
        }
        let headB = try git.resolveCommit(branchB)
        let into = options.into ?? branchA
        let intoHead = try git.referenceTarget("refs/heads/" + into)
        if intoHead != nil && intoHead != headA {
            throw MgitError(.invalidInput, "branch '\(into)' exists and is not at \(branchA)'s head; name a new branch with --into")
        }
        try requireWritable("merge '\(branchB)' into '\(into)'")
        let maxBarrier = try options.maxBarrier ?? configuredDouble("merge.maxBarrier")

        let a = try loadCheckpoint(headA.hex), b = try loadCheckpoint(headB.hex)
        try Interpolation.checkCompatible(a, b, names: ("'\(branchA)'", "'\(branchB)'"))
        let evaluator = try self.evaluator(for: headA.hex, options.evaluation, loaded: a)

        // Alignment: none, already done (B's head is a rebase onto A's head), or weight matching now.
        var alignedB = b
        var alignedCommit = headB
        var alignment = "none"
        var summary: AlignmentSummary?
        if options.align {
            let record = try lineage.commit(headB.hex)
            if record?.operation == "rebase", try lineage.sources(of: headB.hex).first == headA.hex {
                alignment = "lineage"
            } else {
                let spec = try permutationSpec(for: b, specPath: options.specPath)
                let match = try withoutActuallyEscaping(progress) { report in
                    try WeightMatching.match(a: a, b: b, spec: spec, seed: options.seed) { p in report("weight matching", p.sweep, 0) }
                }
                alignedB = try spec.apply(match.permutations, to: b)
                alignment = "weight"
                summary = AlignmentSummary(method: "weight", objectiveBefore: match.report.objectiveBefore,
                                           objectiveAfter: match.report.objectiveAfter, sweeps: match.report.sweeps,
                                           seconds: match.report.seconds)
                // The aligned model becomes a commit on top of B's head that only the merge will reference:
                // branch B does not move, and a refused merge leaves it unreachable.
                let details = try JSONDecoder().decode(JSONDocument.self, from: JSONEncoder().encode(summary))
                var request = CommitRequest(
                    message: "align \(branchB) into \(branchA)'s basin (weight matching, for a merge)", branch: nil,
                    operation: OperationRecord(operation: "rebase", branch: nil, sources: [headA.hex], details: details),
                    author: nil, trailers: [("Method", "weight")], parents: [headB])
                request.extraFiles["permutations.json"] = Array(match.permutations.jsonString().utf8)
                request.extraFiles["permutation-spec.json"] = Array(spec.jsonString().utf8)
                if let arch = try rootFile("arch.json", at: headB.hex) { request.extraFiles["arch.json"] = arch }
                alignedCommit = try writeDetachedCommit(alignedB, request)
            }
        }

        let barrier = try LossBarrier.measure(a, alignedB, points: options.points, label: alignment == "none" ? "naive" : "aligned",
                                              evaluator: evaluator) { progress("barrier", $0, $1) }
        let merged = try evaluator.prepare(try Interpolation.interpolate(a, alignedB, lambda: options.alpha))
        progress("merged model", 0, 1)
        let mergedFigures = try evaluator.evaluate(prepared: merged)
        let first = barrier.curve.points.first!, last = barrier.curve.points.last!
        var report = MergeReport(
            branchA: branchA, branchB: branchB, commitA: headA.hex, commitB: headB.hex, alignedB: alignedCommit.hex,
            alignment: alignment, alignmentSummary: summary, alpha: options.alpha, evaluator: evaluator.description,
            barrier: barrier,
            a: .init(commit: headA.hex, loss: first.loss, accuracy: first.accuracy),
            b: .init(commit: alignedCommit.hex, loss: last.loss, accuracy: last.accuracy),
            merged: .init(commit: nil, loss: mergedFigures.loss, accuracy: mergedFigures.accuracy),
            maxBarrier: maxBarrier, hooks: [], accepted: true, rejectedBy: [], commit: nil, into: into)

        if let maxBarrier, barrier.lossBarrier > maxBarrier {
            report.accepted = false
            report.rejectedBy = ["merge.maxBarrier"]
        } else {
            report.hooks = try HookRunner.run("pre-merge", in: try hookContext(), payload: report, environment: hookEnvironment(report))
            report.rejectedBy = report.hooks.filter { !$0.accepted }.map(\.displayName)
            report.accepted = report.rejectedBy.isEmpty
        }
        guard report.accepted else {
            try lineage.recordOperation(OperationRow(id: nil, kind: "merge", status: "rejected", commitId: nil, branch: into,
                                                     details: try Self.jsonText(report), time: Date().timeIntervalSince1970))
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
        if let arch = try rootFile("arch.json", at: headA.hex) { request.extraFiles["arch.json"] = arch }
        let committed = try commit(merged, request)
        report.commit = committed.commit
        report.merged.commit = committed.commit
        return report
    }

    /// The environment variables a pre-merge hook reads (docs/HOOKS.md).
    package func hookEnvironment(_ r: MergeReport) -> [String: String] {
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

    /// A number from `.mgit/config`, or nil when unset.
    package func configuredDouble(_ key: String) throws -> Double? {
        guard let text = configValue(key) else { return nil }
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else {
            throw MgitError(.invalidInput, "\(key) is '\(text)' in .mgit/config; it must be a number (mgit config \(key) 0.2)")
        }
        return value
    }
}
