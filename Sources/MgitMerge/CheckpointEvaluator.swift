import Foundation
import MgitTensor
import MgitNetworks
import MgitHooks

/// Loss and accuracy of one checkpoint, measured by mgit or by the user's own evaluator.
public struct Evaluated: Codable, Sendable, Equatable {
    /// Mean loss (natural-log cross-entropy for the built-in evaluator).
    public var loss: Double
    /// Fraction correct in [0, 1], when the evaluator reports it.
    public var accuracy: Double?

    public init(loss: Double, accuracy: Double?) {
        self.loss = loss
        self.accuracy = accuracy
    }
}

/// Something that measures a checkpoint: the built-in networks on a dataset, or an external command.
public protocol CheckpointEvaluator {
    /// A short description for reports (`fashion-mnist:test`, `python3 eval.py {checkpoint}`).
    var description: String { get }
    func evaluate(_ checkpoint: Checkpoint) throws -> Evaluated
    /// The checkpoint as it should be stored after weights were mixed: BatchNorm statistics recomputed when the
    /// evaluator knows how, otherwise unchanged.
    func prepare(_ checkpoint: Checkpoint) throws -> Checkpoint
    /// Measures a checkpoint that ``prepare(_:)`` already returned, without preparing it again.
    func evaluate(prepared checkpoint: Checkpoint) throws -> Evaluated
}

extension CheckpointEvaluator {
    public func prepare(_ checkpoint: Checkpoint) throws -> Checkpoint { checkpoint }
    public func evaluate(prepared checkpoint: Checkpoint) throws -> Evaluated { try evaluate(checkpoint) }
}

/// mgit's own evaluation: the architecture's forward pass over a dataset, after recomputing BatchNorm
/// statistics on training data when the network has BatchNorm (Git Re-Basin §A.4).
public struct BuiltinEvaluator: CheckpointEvaluator {
    public let spec: ArchitectureSpec
    public let dataset: Dataset
    public let dataDescription: String
    /// Training samples for recomputing BatchNorm statistics; nil leaves them as stored.
    public let batchNormData: Dataset?
    public let batch: Int

    public init(spec: ArchitectureSpec, dataset: Dataset, dataDescription: String, batchNormData: Dataset?, batch: Int = 1000) {
        self.spec = spec
        self.dataset = dataset
        self.dataDescription = dataDescription
        self.batchNormData = batchNormData
        self.batch = batch
    }

    public var description: String { dataDescription }

    /// Whether this architecture has BatchNorm layers whose statistics interpolation invalidates.
    public static func hasBatchNorm(_ spec: ArchitectureSpec) -> Bool {
        spec.kind == .resnet20 && (spec.norm ?? .batchnorm) == .batchnorm
    }

    public func prepare(_ checkpoint: Checkpoint) throws -> Checkpoint {
        guard let batchNormData, Self.hasBatchNorm(spec) else { return checkpoint }
        return try BatchNormStatistics.reset(checkpoint, spec: spec, on: batchNormData)
    }

    public func evaluate(_ checkpoint: Checkpoint) throws -> Evaluated {
        try evaluate(prepared: try prepare(checkpoint))
    }

    public func evaluate(prepared checkpoint: Checkpoint) throws -> Evaluated {
        let result = try Evaluation.evaluate(try makeNetwork(spec, checkpoint), dataset, batch: batch)
        return Evaluated(loss: result.loss, accuracy: result.accuracy)
    }
}

/// A user's evaluator command as a ``CheckpointEvaluator``.
public struct ExternalCheckpointEvaluator: CheckpointEvaluator {
    public let external: ExternalEvaluator

    public init(_ external: ExternalEvaluator) { self.external = external }

    public var description: String { external.command }

    public func evaluate(_ checkpoint: Checkpoint) throws -> Evaluated {
        let result = try external.evaluate(checkpoint)
        return Evaluated(loss: result.loss, accuracy: result.accuracy)
    }
}
