import MgitTensor
import MgitNetworks
import MgitMerge
/// How `mgit barrier` and `mgit merge` measure models.
public struct EvaluationOptions: Sendable {
    /// The data the loss is measured on (`fashion-mnist:test`, or a dataset file).
    public var data = "fashion-mnist:test"
    /// Use only the first N samples of `data` (nil: all).
    public var samples: Int?
    /// An external evaluator command with `{checkpoint}` (else config `eval.command`, else the built-in one).
    public var command: String?
    /// Recompute BatchNorm statistics of every interpolated model on training data (Git Re-Basin §A.4).
    public var resetBatchNorm = true
    /// Training samples used for that.
    public var batchNormSamples = 5000
    /// An architecture file (else the commit's arch.json, else detected).
    public var architecturePath: String?
    public var batch = 1000

    public init() {}
}

extension Repository {
    /// The evaluator the options name, for models shaped like the checkpoint at `revision` (`loaded`, when the
    /// caller has read it already).
    public func evaluator(for revision: String, _ options: EvaluationOptions,
                          loaded: Checkpoint? = nil) throws -> any CheckpointEvaluator {
        if let external = try externalEvaluator(command: options.command) {
            return ExternalCheckpointEvaluator(external)
        }
        let spec = try architecture(at: revision, override: options.architecturePath, loaded: loaded)
        let source = try DatasetSource.parse(options.data)
        var dataset = try source.load()
        if let samples = options.samples { dataset = try DatasetSubset.first(min(samples, dataset.count)).apply(to: dataset) }
        var batchNormData: Dataset?
        if options.resetBatchNorm && BuiltinEvaluator.hasBatchNorm(spec) {
            // Statistics come from training data: the train split for Fashion-MNIST, the same file otherwise.
            let train: DatasetSource = if case .fashionMNIST = source { .fashionMNIST(.train) } else { source }
            let all = try train.load()
            batchNormData = try DatasetSubset.random(count: min(options.batchNormSamples, all.count), seed: 0).apply(to: all)
        }
        let description = options.samples.map { "\(source.description) (first \($0))" } ?? source.description
        return BuiltinEvaluator(spec: spec, dataset: dataset, dataDescription: description,
                                batchNormData: batchNormData, batch: options.batch)
    }
}
