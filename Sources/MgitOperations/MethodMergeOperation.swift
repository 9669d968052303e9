import Foundation
import MgitInterop
import MgitTensor
import MgitStore
import MgitHooks
import MgitMerge

/// Options of a method merge (`mgit merge REV1 REV2 [...] --method M`, or `--config FILE.yml`).
public struct MethodMergeOptions: Sendable {
    /// The branch that receives the merge commit (default: the first input, which must then be a branch).
    public var into: String?
    /// Skip evaluation; the merge is recorded as unchecked (hooks see `MGIT_UNCHECKED=1`).
    public var noCheck = false
    /// Refuse a merged loss above the worst input's by more than this (else config `merge.maxLossIncrease`).
    public var maxLossIncrease: Double?
    public var evaluation = EvaluationOptions()
    public var message: String?

    public init() {}
}

/// Per input, what the merge report shows.
public struct MethodMergeInput: Codable, Sendable, Equatable {
    public var revision: String
    public var commit: String
    public var loss: Double?
    public var accuracy: Double?
}

/// What `mgit merge --method` did: the inputs and their figures, the provenance, the verdict.
public struct MethodMergeOperationReport: Codable, Sendable {
    public var inputs: [MethodMergeInput]
    public var merged: Evaluated?
    public var provenance: MergeProvenance
    public var evaluator: String?
    public var maxLossIncrease: Double?
    public var hooks: [HookOutcome] = []
    public var accepted = true
    public var rejectedBy: [String] = []
    public var commit: String?
    public var into: String
}

/// `mgit merge REV1 REV2 [...] --method M`: fine-tunes of one base merged by one of mergekit's methods as git
/// merges branches. The base defaults to the inputs' merge base; a tensor changed on one side only is taken byte for
/// byte; the merged model is evaluated beside every input (unless `noCheck`), the `merge.maxLossIncrease` policy and
/// the pre-merge hooks decide (``HookGate``), and the commit has every input as a parent (an octopus merge) and the
/// provenance in `operation.json`.
public struct MethodMergeOperation {
    /// The recipe; its model names (and base, when given) are revisions.
    public var recipe: MergeRecipe
    public var options: MethodMergeOptions

    public init(recipe: MergeRecipe, options: MethodMergeOptions = MethodMergeOptions()) {
        self.recipe = recipe
        self.options = options
    }

    /// The steps, in order: resolve the inputs and the base (the merge base unless named); check the branch that
    /// receives the merge; merge tensor by tensor (``CheckpointMerge``); evaluate the inputs and the merge; the
    /// policy, then the pre-merge hooks; commit with every input as a parent, or record the refusal.
    public func run(in repo: Repository) throws -> MethodMergeOperationReport {
        let revisions = recipe.inputs.map(\.model)
        guard revisions.count >= 2 else {
            throw MgitError(.invalidInput, "a merge needs at least two revisions, got \(revisions.count)")
        }
        let commits = try revisions.map { try repo.git.resolveCommit($0) }
        let baseCommit: ObjectID?
        if let named = recipe.base {
            baseCommit = try repo.git.resolveCommit(named)
        } else {
            baseCommit = try repo.git.mergeBase(of: commits)
        }
        if recipe.method.needsBase && baseCommit == nil {
            throw MgitError(.invalidInput, "\(revisions.joined(separator: ", ")) share no history, and \(recipe.method.rawValue) "
                            + "merges changes from a base: name the commit they were fine-tuned from with --base REV "
                            + "(or base_model in the config)", parameter: "base")
        }
        let into = options.into ?? revisions[0]
        let intoHead = try repo.git.referenceTarget("refs/heads/" + into)
        if options.into == nil && intoHead == nil {
            throw MgitError(.invalidInput, "'\(into)' is not a branch; name the branch that receives the merge with --into",
                            parameter: "into")
        }
        if let intoHead, !commits.contains(intoHead) {
            throw MgitError(.invalidInput, "branch '\(into)' is not at the head of any input; name a new branch to receive "
                            + "the merge", parameter: "into")
        }
        try repo.requireWritable("merge \(revisions.joined(separator: ", ")) into '\(into)'")
        let maxLossIncrease = try options.maxLossIncrease ?? repo.configuredDouble("merge.maxLossIncrease")

        // The merge itself: models named by commit, so the recorded config reproduces it.
        var resolved = recipe
        resolved.base = baseCommit?.hex
        for i in resolved.inputs.indices { resolved.inputs[i].model = commits[i].hex }
        let models = try commits.map { try repo.loadCheckpoint($0.hex) }
        let base = try baseCommit.map { try repo.loadCheckpoint($0.hex) }
        let (merged, methodReport) = try CheckpointMerge(recipe: resolved, threeWay: baseCommit != nil)
            .merge(base: base, inputs: models, names: (baseCommit.map { _ in ["the base"] } ?? []) + revisions)
        let provenance = MergeProvenance(recipe: resolved, base: baseCommit?.hex, inputs: commits.map(\.hex),
                                         report: methodReport, checked: !options.noCheck)

        var inputs = zip(revisions, commits).map { MethodMergeInput(revision: $0, commit: $1.hex) }
        var mergedFigures: Evaluated?
        var evaluatorName: String?
        if !options.noCheck {
            let evaluator = try repo.evaluator(for: commits[0].hex, options.evaluation, loaded: models[0])
            evaluatorName = evaluator.description
            for (i, model) in models.enumerated() {
                let figures = try evaluator.evaluate(prepared: try evaluator.prepare(model))
                inputs[i].loss = figures.loss
                inputs[i].accuracy = figures.accuracy
            }
            mergedFigures = try evaluator.evaluate(prepared: try evaluator.prepare(merged))
        }
        var report = MethodMergeOperationReport(inputs: inputs, merged: mergedFigures, provenance: provenance,
                                                evaluator: evaluatorName, maxLossIncrease: maxLossIncrease, into: into)

        let worst = inputs.compactMap(\.loss).max()
        let gate = if let maxLossIncrease, let merged = mergedFigures?.loss, let worst, merged > worst + maxLossIncrease {
            HookGate.refusedByPolicy("merge.maxLossIncrease")
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
        let metrics = (mergedFigures.map { [Metric(name: "loss", value: $0.loss, split: "test", source: source)] } ?? [])
            + (mergedFigures?.accuracy.map { [Metric(name: "accuracy", value: $0, split: "test", source: source)] } ?? [])
        var trailers: [(key: String, value: String)] = [("Method", recipe.method.rawValue)]
        if let baseCommit { trailers.append(("Base", baseCommit.hex)) }
        if recipe.method.isRandom { trailers.append(("Seed", "\(recipe.seed)")) }
        if options.noCheck { trailers.append(("Checked", "no")) }
        let others = commits.filter { $0 != intoHead }
        var request = CommitRequest(
            message: options.message ?? "merge \(revisions.joined(separator: ", ")) by \(recipe.method.rawValue)"
                + (baseCommit.map { " from \(String($0.hex.prefix(10)))" } ?? ""),
            branch: into,
            operation: OperationRecord(operation: "merge", branch: into, sources: others.map(\.hex), metrics: metrics,
                                       details: details),
            author: nil, trailers: trailers,
            parents: (intoHead.map { [$0] } ?? []) + others)
        request.expectedHead = intoHead
        request.extraFiles["mergekit_config.yml"] = Array(provenance.config.utf8)
        if let arch = try repo.rootFile("arch.json", at: commits[0].hex) { request.extraFiles["arch.json"] = arch }
        report.commit = try repo.commit(merged, request).commit
        return report
    }

    /// The environment variables a pre-merge hook reads (docs/HOOKS.md): the two-input names for the first two
    /// inputs, and every input's loss in `MGIT_INPUT_LOSSES`.
    package static func hookEnvironment(_ r: MethodMergeOperationReport) -> [String: String] {
        var env: [String: String] = [
            "MGIT_METHOD": r.provenance.method.rawValue, "MGIT_INTO": r.into,
            "MGIT_INPUTS": r.inputs.map(\.commit).joined(separator: " "),
            "MGIT_UNCHECKED": r.provenance.checked ? "0" : "1",
        ]
        if let base = r.provenance.base { env["MGIT_BASE"] = base }
        for (key, i) in [("A", 0), ("B", 1)] where i < r.inputs.count {
            env["MGIT_BRANCH_\(key)"] = r.inputs[i].revision
            env["MGIT_COMMIT_\(key)"] = r.inputs[i].commit
            if let loss = r.inputs[i].loss { env["MGIT_LOSS_\(key)"] = "\(loss)" }
            if let accuracy = r.inputs[i].accuracy { env["MGIT_ACCURACY_\(key)"] = "\(accuracy)" }
        }
        let losses = r.inputs.compactMap(\.loss)
        if losses.count == r.inputs.count { env["MGIT_INPUT_LOSSES"] = losses.map { "\($0)" }.joined(separator: " ") }
        if let merged = r.merged {
            env["MGIT_MERGED_LOSS"] = "\(merged.loss)"
            if let accuracy = merged.accuracy { env["MGIT_MERGED_ACCURACY"] = "\(accuracy)" }
        }
        return env
    }
}

extension Repository {
    /// Merges fine-tunes by one of mergekit's methods (``MethodMergeOperation``).
    public func merge(recipe: MergeRecipe, options: MethodMergeOptions = MethodMergeOptions()) throws -> MethodMergeOperationReport {
        try MethodMergeOperation(recipe: recipe, options: options).run(in: self)
    }
}
