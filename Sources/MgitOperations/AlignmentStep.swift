import Foundation
import MgitInterop
import MgitTensor
import MgitStore
import MgitNetworks
import MgitAlignment
import MgitMerge

/// Moving model B into model A's basin: the one alignment path that `mgit rebase`, `mgit merge` and
/// `mgit barrier` share (Ainsworth et al. 2023 §3).
///
/// Its steps, in order: the permutation spec (a spec file, else the built-in one for B's tensors); the
/// architecture (for the function check and activation matching); matching (weights §3.2, or activations §3.1);
/// applying the permutations to B's bytes; and the function check, which proves on a probe batch that the permuted
/// model computes what B computes and refuses the alignment otherwise. Every caller gets the same figures,
/// the same errors and, through ``commitRequest(_:report:message:branch:parents:architectureFile:)``, the same
/// commit layout (`permutations.json`, `permutation-spec.json`, an `operation.json` holding a ``RebaseReport``).
package struct AlignmentStep {
    package var method: MatchingMethod = .weight
    /// A permutation spec file (JSON) instead of the built-in spec.
    package var specPath: String?
    /// An architecture file, else the commit's `arch.json`, else detected from the tensors.
    package var architecturePath: String?
    package var seed: UInt64 = 0
    package var maxSweeps = 100
    /// Weight-matching runs (the identity start with `seed`, then random starts), side by side; the best objective
    /// is kept. Two by default: one run per core of a two-core machine.
    package var restarts = WeightMatching.defaultRestarts
    /// Data for activation matching (and its probe batch).
    package var data: String?
    /// Samples of `data` used for activation matching.
    package var samples = 2000

    package init() {}

    /// What aligning found.
    package struct Result {
        package var spec: PermutationSpec
        package var permutations: PermutationSet
        /// B with its hidden units permuted into A's basin: `π(θ_B)`.
        package var permuted: Checkpoint
        package var objectiveBefore: Double
        package var objectiveAfter: Double
        package var sweeps: Int
        package var converged: Bool
        package var seconds: Double
        /// Permutation name → how many of its units moved.
        package var unitsMoved: [String: Int]
        package var functionCheck: FunctionCheck?
        /// Why no function check ran (the architecture could not be determined), when none did.
        package var functionCheckSkipped: String?
        /// Every weight-matching run when there were restarts (nil for one run).
        package var restarts: [WeightMatching.Run]?

        /// The figures as merge and barrier reports carry them.
        package var summary: AlignmentSummary {
            AlignmentSummary(method: "weight", objectiveBefore: objectiveBefore, objectiveAfter: objectiveAfter,
                             sweeps: sweeps, seconds: seconds, functionCheck: functionCheck,
                             functionCheckSkipped: functionCheckSkipped, restarts: restarts)
        }
    }

    /// Aligns `b` (the checkpoint of commit `sourceCommit`) into `a`'s basin.
    ///
    /// - Parameter names: how the two models are called in errors (`'teamA'`, `'teamB'`).
    /// - Throws: `.mismatch` when the models differ in tensors, when the spec does not fit B, or when the permuted
    ///   model does not compute B's function (a broken spec); `.invalidInput` for activation matching without an
    ///   architecture or data.
    package func run(a: Checkpoint, b: Checkpoint, sourceCommit: String, names: (String, String),
                     in repo: Repository, progress: (WeightMatching.Progress) -> Void = { _ in }) throws -> Result {
        try Interpolation.checkCompatible(a, b, names: names)
        // A BERT, GPT-2 or Llama checkpoint (by its tensor names, with the commit's config.json when it has one)
        // takes the transformer path: its spec, weight matching with heads, and its function check.
        let transformer = TransformerConfig.familyFromNames(b) == nil ? nil
            : try TransformerConfig.detect(config: try repo.transformerConfig(at: sourceCommit).map { Data($0) },
                                           checkpoint: b)
        let spec = try transformer.flatMap { config in specPath == nil ? try PermutationSpec.transformer(config, checkpoint: b) : nil }
            ?? repo.permutationSpec(for: b, specPath: specPath)
        var architecture: ArchitectureSpec?
        var unknownArchitecture: String?
        if transformer == nil {
            do {
                architecture = try repo.architecture(at: sourceCommit, override: architecturePath, loaded: b)
            } catch let error as MgitError where error.code != .io {
                unknownArchitecture = error.message
            }
        }

        let matched: WeightMatching.Result
        var probe: FloatMatrix?
        var runs: [WeightMatching.Run]?
        switch method {
        case .weight where transformer != nil || spec.hasHeadStructure:
            matched = try withoutActuallyEscaping(progress) { report in
                try TransformerMatching.match(a: a, b: b, spec: spec, seed: seed, maxSweeps: maxSweeps, progress: report)
            }
        case .activation where transformer != nil:
            throw MgitError(.invalidInput, "activation matching of transformers is not built yet; use --method weight",
                            parameter: "method")
        case .weight where restarts > 1:
            let best = try WeightMatching.match(a: a, b: b, spec: spec, seed: seed, restarts: restarts, maxSweeps: maxSweeps)
            matched = best.best
            runs = best.runs
            progress(.init(sweep: best.best.report.sweeps, objective: best.best.report.objectiveAfter, changed: 0))
        case .weight:
            matched = try withoutActuallyEscaping(progress) { report in
                try WeightMatching.match(a: a, b: b, spec: spec, seed: seed, maxSweeps: maxSweeps, progress: report)
            }
        case .activation:
            guard let architecture else {
                throw MgitError(.invalidInput, "activation matching runs the networks, but the architecture of \(names.1) "
                                + "is unknown (\(unknownArchitecture ?? "no description")); describe it in an architecture "
                                + "file (docs/ARCHITECTURES.md)", parameter: "architecture")
            }
            guard let data else {
                throw MgitError(.invalidInput, "activation matching needs data: name a data set (fashion-mnist:train or a file)",
                                parameter: "data")
            }
            let dataset = try DatasetSource.parse(data).load()
            let chosen = try DatasetSubset.random(count: min(samples, dataset.count), seed: seed).apply(to: dataset)
            probe = chosen.inputs.rows(0..<min(64, chosen.count))
            matched = try ActivationMatching.match(a: a, b: b, spec: spec, architecture: architecture, inputs: chosen.inputs)
            progress(.init(sweep: 1, objective: matched.report.objectiveAfter, changed: matched.permutations.names.count))
        }
        let permuted = try spec.apply(matched.permutations, to: b)

        var check: FunctionCheck?
        if let transformer {
            // Probe: 4 seeded sequences of 16 tokens (fewer positions if the model has fewer).
            let length = transformer.maxPositions > 0 ? min(16, transformer.maxPositions) : 16
            var generator = SeededGenerator(seed: seed)
            let ids = (0..<(4 * length)).map { _ in generator.nextIndex(below: transformer.vocabSize) }
            let c = try FunctionCheck.run(transformer: transformer, original: b, permuted: permuted,
                                          residual: matched.permutations[PermutationSpec.residualPermutation],
                                          tokens: TokenBatch(batch: 4, length: length, ids: ids))
            guard c.passed else {
                throw MgitError(.mismatch, "the permuted model does not compute the same function as \(names.1) "
                                + "(largest relative difference \(c.maxRelativeDifference) on \(c.samples) probe sequences, "
                                + "tolerance \(c.tolerance)): the permutation spec does not fit this network (a transformer "
                                + "spec must call its residual permutation P_res); nothing was committed")
            }
            check = c
        } else if let architecture {
            let network = try makeNetwork(architecture, b)
            let inputs = probe ?? FunctionCheck.probeInputs(count: 64, inputSize: network.inputSize, seed: seed)
            let c = try FunctionCheck.run(architecture: architecture, original: b, permuted: permuted, inputs: inputs)
            guard c.passed else {
                throw MgitError(.mismatch, "the permuted model does not compute the same function as \(names.1) "
                                + "(largest relative difference \(c.maxRelativeDifference) on \(c.samples) probe samples, "
                                + "tolerance \(c.tolerance)): the permutation spec does not fit this network; nothing was committed")
            }
            check = c
        }
        let moved = matched.permutations.permutations.mapValues { p in
            p.indices.enumerated().filter { $0.offset != $0.element }.count
        }
        return Result(spec: spec, permutations: matched.permutations, permuted: permuted,
                      objectiveBefore: matched.report.objectiveBefore, objectiveAfter: matched.report.objectiveAfter,
                      sweeps: matched.report.sweeps, converged: matched.report.converged, seconds: matched.report.seconds,
                      unitsMoved: moved, functionCheck: check,
                      functionCheckSkipped: check == nil ? "architecture unknown: \(unknownArchitecture ?? "")" : nil,
                      restarts: runs)
    }

    /// The commit of an aligned model, whoever makes it: the permuted tensors, the permutations and the spec
    /// (so the alignment can be undone byte for byte), the architecture, and `report` as `operation.json`.
    package func commitRequest(_ result: Result, report: RebaseReport, message: String, branch: String?,
                               parents: [ObjectID], architectureFile: [UInt8]?) throws -> CommitRequest {
        let details = try JSONDecoder().decode(JSONDocument.self, from: JSONEncoder().encode(report))
        let operation = OperationRecord(operation: "rebase", branch: branch, sources: [report.basin], details: details)
        var request = CommitRequest(message: message, branch: branch, operation: operation, author: nil,
                                    trailers: [("Method", method.rawValue),
                                               ("Objective", "\(result.objectiveBefore) -> \(result.objectiveAfter)")],
                                    parents: parents)
        request.extraFiles["permutations.json"] = Array(result.permutations.jsonString().utf8)
        request.extraFiles["permutation-spec.json"] = Array(result.spec.jsonString().utf8)
        if let architectureFile { request.extraFiles["arch.json"] = architectureFile }
        return request
    }
}
