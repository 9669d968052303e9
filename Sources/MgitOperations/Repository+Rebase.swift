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
    /// The new commit; nil for a dry run.
    public var commit: String?
    public var dryRun: Bool
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
        let spec = try permutationSpec(for: checkpoint, specPath: specPath)
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

    /// Permutes `branch`'s head into the basin of `revision` and commits the permuted checkpoint on `branch`.
    ///
    /// The permuted model must compute the same function: when mgit can run the architecture it checks this on
    /// a probe batch and refuses to commit otherwise. The commit stores the permutations (`permutations.json`)
    /// so that ``undoRebase(_:)`` can restore the original bytes exactly.
    public func rebase(_ branch: String, onto revision: String, options: RebaseOptions = RebaseOptions(),
                       progress: (WeightMatching.Progress) -> Void = { _ in }) throws -> RebaseReport {
        let refName = "refs/heads/" + branch
        guard let sourceID = try git.referenceTarget(refName) else {
            throw MgitError(.notFound, "no branch '\(branch)' to rebase (see 'mgit branch')")
        }
        if !options.dryRun { try requireWritable("rebase '\(branch)'") }
        let basin = try resolve(revision)
        let source = sourceID.hex
        let a = try loadCheckpoint(basin), b = try loadCheckpoint(source)
        try Interpolation.checkCompatible(a, b, names: ("'\(revision)'", "'\(branch)'"))
        let spec = try permutationSpec(for: b, specPath: options.specPath)
        let architecture = try? self.architecture(at: source, override: options.architecturePath, loaded: b)

        let result: WeightMatching.Result
        var probe: FloatMatrix?
        switch options.method {
        case .weight:
            result = try withoutActuallyEscaping(progress) { report in
                try WeightMatching.match(a: a, b: b, spec: spec, seed: options.seed, maxSweeps: options.maxSweeps,
                                         progress: report)
            }
        case .activation:
            guard let architecture else {
                throw MgitError(.invalidInput, "activation matching runs the networks, but the architecture of '\(branch)' "
                                + "is unknown: give --arch FILE (docs/ARCHITECTURES.md)")
            }
            guard let data = options.data else {
                throw MgitError(.invalidInput, "activation matching needs data: give --data fashion-mnist:train or a file")
            }
            let dataset = try DatasetSource.parse(data).load()
            let chosen = try DatasetSubset.random(count: min(options.samples, dataset.count), seed: options.seed).apply(to: dataset)
            probe = chosen.inputs.rows(0..<min(64, chosen.count))
            result = try ActivationMatching.match(a: a, b: b, spec: spec, architecture: architecture, inputs: chosen.inputs)
            progress(.init(sweep: 1, objective: result.report.objectiveAfter, changed: result.permutations.names.count))
        }
        let permuted = try spec.apply(result.permutations, to: b)

        var check: FunctionCheck?
        if let architecture, let network = try? makeNetwork(architecture, b) {
            let inputs = probe ?? FunctionCheck.probeInputs(count: 64, inputSize: network.inputSize, seed: options.seed)
            let c = try FunctionCheck.run(architecture: architecture, original: b, permuted: permuted, inputs: inputs)
            guard c.passed else {
                throw MgitError(.mismatch, "the permuted model does not compute the same function as '\(branch)' "
                                + "(largest relative difference \(c.maxRelativeDifference) on \(c.samples) probe samples, "
                                + "tolerance \(c.tolerance)): the permutation spec does not fit this network; nothing was committed")
            }
            check = c
        }
        let moved = result.permutations.permutations.mapValues { p in p.indices.enumerated().filter { $0.offset != $0.element }.count }
        var report = RebaseReport(branch: branch, source: source, basin: basin, method: options.method, seed: options.seed,
                                  objectiveBefore: result.report.objectiveBefore, objectiveAfter: result.report.objectiveAfter,
                                  sweeps: result.report.sweeps, converged: result.report.converged,
                                  seconds: result.report.seconds, unitsMoved: moved, functionCheck: check,
                                  commit: nil, dryRun: options.dryRun)
        if options.dryRun {
            try lineage.recordOperation(OperationRow(id: nil, kind: "rebase", status: "dry-run", commitId: nil, branch: branch,
                                                     details: try Self.jsonText(report), time: Date().timeIntervalSince1970))
            return report
        }

        let outcomes = try HookRunner.run("pre-rebase", in: try hookContext(), payload: report, environment: [
            "MGIT_BRANCH": branch, "MGIT_SOURCE": source, "MGIT_BASIN": basin,
            "MGIT_OBJECTIVE_BEFORE": "\(report.objectiveBefore)", "MGIT_OBJECTIVE_AFTER": "\(report.objectiveAfter)",
        ])
        if let rejection = HookRunner.rejection(outcomes) {
            try lineage.recordOperation(OperationRow(id: nil, kind: "rebase", status: "rejected", commitId: nil, branch: branch,
                                                     details: try Self.jsonText(report), time: Date().timeIntervalSince1970))
            throw rejection
        }

        let details = try JSONDecoder().decode(JSONDocument.self, from: JSONEncoder().encode(report))
        let operation = OperationRecord(operation: "rebase", branch: branch, sources: [basin], details: details)
        let message = options.message ?? "rebase \(branch) onto \(revision) (\(options.method.rawValue) matching)"
        var request = CommitRequest(message: message, branch: branch, operation: operation, author: nil,
                                    trailers: [("Method", options.method.rawValue),
                                               ("Objective", "\(report.objectiveBefore) -> \(report.objectiveAfter)")],
                                    parents: [sourceID])
        request.extraFiles["permutations.json"] = Array(result.permutations.jsonString().utf8)
        request.extraFiles["permutation-spec.json"] = Array(spec.jsonString().utf8)
        if let arch = try rootFile("arch.json", at: source) { request.extraFiles["arch.json"] = arch }
        request.expectedHead = sourceID
        let committed = try commit(permuted, request)
        report.commit = committed.commit
        return report
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
                            functionCheck: nil, commit: committed.commit, dryRun: false)
    }

    package static func jsonText<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
