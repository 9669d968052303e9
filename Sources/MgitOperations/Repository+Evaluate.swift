import Foundation
import MgitInterop
import MgitTensor
import MgitStore
import MgitNetworks

/// What `mgit eval` measured.
public struct EvaluationReport: Codable, Sendable, Equatable {
    public var commit: String
    /// The data source, e.g. `fashion-mnist:test`.
    public var data: String
    public var split: String
    /// Mean cross-entropy, natural log.
    public var loss: Double
    /// Fraction correct, in [0, 1].
    public var accuracy: Double
    public var samples: Int
    /// Whether the figures were recorded as metrics of the commit.
    public var recorded: Bool
    public var seconds: Double
}

extension Repository {
    /// The architecture of the checkpoint at `revision`: `override` (a JSON file) if given, else the commit's
    /// `arch.json`, else detected from the tensors (MLPs only; `loaded` spares reading the checkpoint again).
    public func architecture(at revision: String, override: String? = nil,
                             loaded: Checkpoint? = nil) throws -> ArchitectureSpec {
        if let override {
            return try ArchitectureSpec.decode(json: Data(try ArchitectureFile.read(override)), source: "architecture file '\(override)'")
        }
        if let stored = try rootFile("arch.json", at: revision) {
            return try ArchitectureSpec.decode(json: Data(stored), source: "arch.json of \(revision)")
        }
        do {
            return try ArchitectureSpec.detect(from: try loaded ?? loadCheckpoint(revision))
        } catch let error as MgitError {
            throw MgitError(error.code, "\(error.message); a CNN or ResNet needs an architecture file (docs/ARCHITECTURES.md)",
                            parameter: "architecture", cause: error)
        }
    }

    /// Evaluates the checkpoint at `revision` on `data` (mean cross-entropy and accuracy) and, if `record`,
    /// records both as metrics of the commit (split and data source kept).
    public func evaluate(_ revision: String, data: String, batch: Int = 1000, architecture: String? = nil,
                         record: Bool = true) throws -> EvaluationReport {
        let start = Date()
        let commit = try resolve(revision)
        let checkpoint = try loadCheckpoint(commit)
        let spec = try self.architecture(at: commit, override: architecture, loaded: checkpoint)
        let network = try makeNetwork(spec, checkpoint)
        let source = try DatasetSource.parse(data)
        let dataset = try source.load()
        let result = try Evaluation.evaluate(network, dataset, batch: batch)
        if record {
            try addMetrics(commit, [
                Metric(name: "loss", value: result.loss, split: source.split, source: source.description),
                Metric(name: "accuracy", value: result.accuracy, split: source.split, source: source.description),
            ])
        }
        return EvaluationReport(commit: commit, data: source.description, split: source.split, loss: result.loss,
                                accuracy: result.accuracy, samples: result.count, recorded: record,
                                seconds: Date().timeIntervalSince(start))
    }

    /// Commits a checkpoint held in memory (a trained model) on `branch`, with its metrics and architecture.
    ///
    /// - Parameter operation: what made it (`train`, ...); its `details` are stored in `operation.json`.
    public func commit(_ checkpoint: Checkpoint, message: String, branch: String? = nil, operation: OperationRecord,
                       architecture: ArchitectureSpec? = nil, author: Person? = nil) throws -> CommitResult {
        var request = CommitRequest(message: message, branch: branch, operation: operation, author: author)
        if let architecture { request.extraFiles["arch.json"] = Array(architecture.json()) }
        return try commit(checkpoint as any TensorSource, request)
    }
}
