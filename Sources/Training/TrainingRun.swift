import MgitNetworks
import MgitStore

extension Trainer {
    /// Loads the named datasets and trains an MLP: what `mgit train` runs.
    ///
    /// - Parameters:
    ///   - data: `fashion-mnist:train` or a dataset safetensors file.
    ///   - testData: where the test metrics come from (nil: none).
    public static func run(_ config: TrainingConfig, data: String, testData: String?,
                           progress: (TrainingProgress) -> Void = { _ in }) throws -> TrainingResult {
        let train = try DatasetSource.parse(data).load()
        let test = try testData.map { try DatasetSource.parse($0).load() }
        return try trainMLP(config, train: train, test: test, progress: progress)
    }
}

extension TrainingResult {
    /// The figures to record with the commit: loss and accuracy on the training subset and the test set.
    public func metrics(trainData: String, testData: String?) -> [Metric] {
        var out = [Metric(name: "loss", value: train.loss, split: "train", source: trainData),
                   Metric(name: "accuracy", value: train.accuracy, split: "train", source: trainData)]
        if let test, let testData {
            out += [Metric(name: "loss", value: test.loss, split: "test", source: testData),
                    Metric(name: "accuracy", value: test.accuracy, split: "test", source: testData)]
        }
        return out
    }
}
