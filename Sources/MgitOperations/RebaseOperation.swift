import Foundation
import MgitInterop
import MgitTensor
import MgitStore
import MgitLineage
import MgitNetworks
import MgitAlignment
import MgitHooks
import MgitMerge

/// How `mgit rebase` finds the permutation.
public enum MatchingMethod: String, Codable, Sendable, CaseIterable {
    /// From the weights alone (§3.2).
    case weight
    /// From correlations of hidden activations on data (§3.1).
    case activation
}

/// What `mgit rebase` found and did.
public struct RebaseReport: Codable, Sendable, Equatable {
    public var branch: String
    /// The commit whose weights were permuted (the branch's head before the rebase).
    public var source: String
    /// The commit whose basin they were moved into.
    public var basin: String
    public var method: MatchingMethod
    public var seed: UInt64
    /// Σ⟨θ_A, θ_B⟩ over the permuted tensors before, and Σ⟨θ_A, π(θ_B)⟩ after.
    public var objectiveBefore: Double
    public var objectiveAfter: Double
    public var sweeps: Int
    public var converged: Bool
    public var seconds: Double
    /// Permutation name → how many of its units moved.
    public var unitsMoved: [String: Int]
    /// The probe that proves the permuted model computes the same function; nil when the architecture is unknown.
    public var functionCheck: FunctionCheck?
    /// The new commit; nil for a dry run or a refused rebase.
    public var commit: String?
    public var dryRun: Bool
    /// Why no function check ran, when none did (the architecture is unknown).
    public var functionCheckSkipped: String?
    /// The pre-rebase hooks' outcomes.
    public var hooks: [HookOutcome] = []
    /// False when a hook refused the rebase: nothing was committed (``rejectedBy`` says who).
    public var accepted = true
    public var rejectedBy: [String] = []
    /// Every weight-matching run when there were restarts (the best was kept).
    public var restarts: [WeightMatching.Run]?
}

/// Options of `mgit rebase`.
public struct RebaseOptions: Sendable {
    public var method: MatchingMethod = .weight
    /// A permutation spec file (JSON) instead of the built-in one.
    public var specPath: String?
    /// An architecture file, for the function check and activation matching.
    public var architecturePath: String?
    public var seed: UInt64 = 0
    public var maxSweeps: Int = 100
    /// Weight-matching runs side by side (the identity start, then random starts); the best objective is kept.
    public var restarts = WeightMatching.defaultRestarts
    public var dryRun = false
    /// Data for activation matching (and the probe batch): `fashion-mnist:train`, a file, ...
    public var data: String?
    /// Samples of `data` used for activation matching.
    public var samples: Int = 2000
    public var message: String?

    public init() {}
}

extension Repository {
    /// The permutation spec mgit uses for the checkpoint at `revision`: `specPath` if given, else the built-in one.
    public func permutationSpec(at revision: String, specPath: String? = nil) throws -> PermutationSpec {
        let checkpoint = try loadCheckpoint(revision)
        let spec = specPath == nil
            ? try PermutationSpec.builtin(for: checkpoint,
                                          transformerConfig: try transformerConfig(at: revision).map { Data($0) })
            : try permutationSpec(for: checkpoint, specPath: specPath)
        _ = try spec.sizes(for: checkpoint)
        return spec
    }

    package func permutationSpec(for checkpoint: Checkpoint, specPath: String?) throws -> PermutationSpec {
        guard let specPath else { return try PermutationSpec.builtin(for: checkpoint) }
        guard let data = FileManager.default.contents(atPath: specPath) else {
            throw MgitError(.notFound, "permutation spec '\(specPath)' does not exist or cannot be read")
        }
        do {
            return try PermutationSpec(json: String(decoding: data, as: UTF8.self))
        } catch let error as MgitError {
            throw MgitError(error.code, "permutation spec '\(specPath)': \(error.message)")
        }
    }

    /// Permutes `branch`'s head into the basin of `revision` and commits the permuted checkpoint on `branch`
    /// (``RebaseOperation``).
    public func rebase(_ branch: String, onto revision: String, options: RebaseOptions = RebaseOptions(),
                       progress: (WeightMatching.Progress) -> Void = { _ in }) throws -> RebaseReport {
        try RebaseOperation(branch: branch, onto: revision, options: options).run(in: self, progress: progress)
    }

    /// Undoes the rebase at the head of `branch`: applies the inverse of its stored permutations and commits the
    /// result, which is the pre-rebase checkpoint byte for byte (the same tensor blobs).
    public func undoRebase(_ branch: String) throws -> RebaseReport {
        let refName = "refs/heads/" + branch
        guard let head = try git.referenceTarget(refName) else {
            throw MgitError(.notFound, "no branch '\(branch)' (see 'mgit branch')")
        }
        try requireWritable("undo the rebase of '\(branch)'")
        guard let record = try lineage.commit(head.hex), record.operation == "rebase",
              let stored = try rootFile("permutations.json", at: head.hex) else {
            throw MgitError(.invalidInput, "the head of '\(branch)' (\(head.hex.prefix(10))) is not a rebase commit; "
                            + "nothing to undo")
        }
        let permutations = try PermutationSet(json: String(decoding: stored, as: UTF8.self))
        let rebased = try loadCheckpoint(head.hex)
        let spec = try rootFile("permutation-spec.json", at: head.hex).map { try PermutationSpec(json: String(decoding: $0, as: UTF8.self)) }
            ?? PermutationSpec.builtin(for: rebased)
        let restored = try spec.apply(permutations.inverse, to: rebased)
        let source = try lineage.parents(of: head.hex).first ?? head.hex
        let operation = OperationRecord(operation: "rebase-undo", branch: branch, sources: [head.hex],
                                        details: .object(["undoes": .string(head.hex)]))
        var request = CommitRequest(message: "undo rebase \(head.hex.prefix(10)) of \(branch)", branch: branch,
                                    operation: operation, author: nil, parents: [head])
        if let arch = try rootFile("arch.json", at: head.hex) { request.extraFiles["arch.json"] = arch }
        request.expectedHead = head
        let committed = try commit(restored, request)
        return RebaseReport(branch: branch, source: head.hex, basin: source, method: .weight, seed: 0, objectiveBefore: 0,
                            objectiveAfter: 0, sweeps: 0, converged: true, seconds: 0,
                            unitsMoved: permutations.permutations.mapValues { p in p.indices.enumerated().filter { $0.offset != $0.element }.count },
                            functionCheck: nil, commit: committed.commit, dryRun: false,
                            functionCheckSkipped: "an undo restores the original bytes")
    }

    package static func jsonText<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// `mgit rebase BRANCH --onto REV`: permutes BRANCH's head into REV's basin and commits the permuted checkpoint on
/// BRANCH, after the pre-rebase hooks accept. The permuted model computes the same function; the commit stores the
/// permutations so that ``Repository/undoRebase(_:)`` restores the original bytes exactly.
public struct RebaseOperation {
    public var branch: String
    /// The revision whose basin the branch moves into.
    public var basin: String
    public var options: RebaseOptions

    public init(branch: String, onto basin: String, options: RebaseOptions = RebaseOptions()) {
        self.branch = branch
        self.basin = basin
        self.options = options
    }

    /// The steps, in order: resolve both heads, align (``AlignmentStep``: spec, matching, function check), record a
    /// dry run, ask the pre-rebase hooks (a refusal is recorded and returned, not thrown), commit.
    public func run(in repo: Repository, progress: (WeightMatching.Progress) -> Void = { _ in }) throws -> RebaseReport {
        guard let sourceID = try repo.git.referenceTarget("refs/heads/" + branch) else {
            throw MgitError(.notFound, "no branch '\(branch)' to rebase (see 'mgit branch')")
        }
        if !options.dryRun { try repo.requireWritable("rebase '\(branch)'") }
        let basinCommit = try repo.resolve(basin)
        let source = sourceID.hex
        let a = try repo.loadCheckpoint(basinCommit), b = try repo.loadCheckpoint(source)

        let step = options.alignmentStep
        let aligned = try step.run(a: a, b: b, sourceCommit: source, names: ("'\(basin)'", "'\(branch)'"), in: repo,
                                   progress: progress)
        var report = RebaseReport(branch: branch, source: source, basin: basinCommit, method: options.method,
                                  seed: options.seed, objectiveBefore: aligned.objectiveBefore,
                                  objectiveAfter: aligned.objectiveAfter, sweeps: aligned.sweeps,
                                  converged: aligned.converged, seconds: aligned.seconds, unitsMoved: aligned.unitsMoved,
                                  functionCheck: aligned.functionCheck, commit: nil, dryRun: options.dryRun,
                                  functionCheckSkipped: aligned.functionCheckSkipped)
        report.restarts = aligned.restarts
        if options.dryRun {
            try repo.recordOperation("rebase", status: "dry-run", branch: branch, report: report)
            return report
        }

        let gate = try HookGate.ask("pre-rebase", in: repo, payload: report, environment: [
            "MGIT_BRANCH": branch, "MGIT_SOURCE": source, "MGIT_BASIN": basinCommit,
            "MGIT_OBJECTIVE_BEFORE": "\(report.objectiveBefore)", "MGIT_OBJECTIVE_AFTER": "\(report.objectiveAfter)",
        ])
        report.hooks = gate.hooks
        report.rejectedBy = gate.rejectedBy
        report.accepted = gate.accepted
        guard gate.accepted else {
            try repo.recordOperation("rebase", status: "rejected", branch: branch, report: report)
            return report
        }

        var request = try step.commitRequest(
            aligned, report: report,
            message: options.message ?? "rebase \(branch) onto \(basin) (\(options.method.rawValue) matching)",
            branch: branch, parents: [sourceID], architectureFile: try repo.rootFile("arch.json", at: source))
        request.expectedHead = sourceID
        report.commit = try repo.commit(aligned.permuted, request).commit
        return report
    }
}

extension RebaseOptions {
    /// The alignment these options ask for.
    package var alignmentStep: AlignmentStep {
        var step = AlignmentStep()
        step.method = method
        step.specPath = specPath
        step.architecturePath = architecturePath
        step.seed = seed
        step.maxSweeps = maxSweeps
        step.restarts = restarts
        step.data = data
        step.samples = samples
        return step
    }
}

extension Repository {
    /// Records an operation that git does not hold (a refusal, a dry run, a measurement) in the lineage database.
    package func recordOperation(_ kind: String, status: String, commit: String? = nil, branch: String?,
                                 report: some Encodable) throws {
        try lineage.recordOperation(OperationRow(id: nil, kind: kind, status: status, commitId: commit, branch: branch,
                                                 details: try Self.jsonText(report), time: Date().timeIntervalSince1970))
    }
}
