import Foundation
import MgitInterop
import MgitNetworks

/// Trains MLP and VGG-style CNN classifiers on the CPU: He initialisation, seeded per-epoch shuffles, sgemm
/// forward and backward passes, SGD with momentum or Adam on the mean cross-entropy.
public enum Trainer {
    /// Trains an MLP on `train` (restricted to `config.subset`) and evaluates it on the subset and on `test`.
    ///
    /// The input width is the dataset's feature count and the output width its class count (the larger of
    /// `train`'s and `test`'s). Deterministic: the same config, data and BLAS thread count give the same bits.
    ///
    /// - Parameters:
    ///   - train: Inputs `[N, features]`, labels `[N]`.
    ///   - test: Same feature count, or nil.
    ///   - progress: Called after every step on the calling thread.
    public static func trainMLP(_ config: TrainingConfig, train: Dataset, test: Dataset? = nil,
                                progress: (TrainingProgress) -> Void = { _ in }) throws -> TrainingResult {
        try config.validate()
        let data = try prepare(config, train: train, test: test)
        let widths = [data.inputs.columns] + config.hidden + [classCount(train, test)]
        return try fit(MLPParameters.heInitialized(widths: widths, seed: config.seed), config, data: data, test: test,
                       progress: progress)
    }

    /// Trains a VGG-style CNN (`stages`, then a classifier with `config.hidden` hidden widths) on `train`
    /// (restricted to `config.subset`) and evaluates it like `trainMLP`.
    ///
    /// - Parameters:
    ///   - stages: The feature extractor; the input shape is `train.sampleShape` (`[channels, height, width]`).
    ///   - train: Inputs `[N, c·h·w]` in NCHW order, labels `[N]`.
    public static func trainVGG(_ config: TrainingConfig, stages: [VGGParameters.Stage], train: Dataset,
                                test: Dataset? = nil, progress: (TrainingProgress) -> Void = { _ in }) throws -> TrainingResult {
        try config.validate()
        guard train.sampleShape.count == 3 else {
            throw MgitError(.invalidInput, "a CNN needs image samples [channels, height, width]; the dataset's samples "
                                + "have shape \(train.sampleShape)")
        }
        let data = try prepare(config, train: train, test: test)
        let initial = try VGGParameters(input: train.sampleShape, stages: stages, hidden: config.hidden,
                                        classes: classCount(train, test), seed: config.seed)
        return try fit(initial, config, data: data, test: test, progress: progress)
    }

    /// The training subset, checked against the test set.
    private static func prepare(_ config: TrainingConfig, train: Dataset, test: Dataset?) throws -> Dataset {
        let data = try config.subset.apply(to: train)
        guard data.count > 0 else { throw MgitError(.invalidInput, "the training subset \(config.subset) is empty") }
        if let test, test.inputs.columns != data.inputs.columns {
            throw MgitError(.mismatch, "the test set has \(test.inputs.columns) features per sample but the training "
                                + "set has \(data.inputs.columns)")
        }
        return data
    }

    /// The output width: the larger class count of the two datasets (at least 2).
    private static func classCount(_ train: Dataset, _ test: Dataset?) -> Int {
        max(train.classCount, test?.classCount ?? 0, 2)
    }

    /// The training loop shared by every architecture: seeded per-epoch shuffles, one optimiser step per batch.
    private static func fit<P: TrainableParameters>(_ initial: P, _ config: TrainingConfig, data: Dataset,
                                                     test: Dataset?, progress: (TrainingProgress) -> Void)
        throws -> TrainingResult {
        var parameters = initial
        // Initialisation and shuffling draw from separate streams so changing epochs never changes the init.
        var shuffler = SeededGenerator(seed: config.seed ^ 0x5348_5546_464C_4531)
        var optimizer = OptimizerState(config.optimizer, learningRate: config.learningRate,
                                       parameterCount: parameters.values.count)
        let stepsPerEpoch = (data.count + config.batch - 1) / config.batch
        let clock = ContinuousClock()
        let started = clock.now
        for epoch in 1...config.epochs {
            let order = shuffler.permutation(data.count)
            let epochStart = clock.now
            for step in 0..<stepsPerEpoch {
                let indices = Array(order[(step * config.batch)..<min((step + 1) * config.batch, data.count)])
                let x = data.inputs.rows(at: indices)
                let labels = indices.map { data.labels[$0] }
                let (loss, gradient) = parameters.lossAndGradient(x, labels: labels[...])
                optimizer.learningRate = config.learningRate
                    * config.schedule.factor(step: (epoch - 1) * stepsPerEpoch + step, total: config.epochs * stepsPerEpoch)
                optimizer.step(&parameters.values, gradient: gradient)
                let elapsed = (clock.now - epochStart).seconds
                progress(TrainingProgress(epoch: epoch, epochs: config.epochs, step: step + 1,
                                          stepsPerEpoch: stepsPerEpoch, loss: loss,
                                          samplesPerSecond: elapsed > 0 ? Double(step * config.batch + indices.count) / elapsed : 0))
            }
        }
        let seconds = (clock.now - started).seconds

        let configJSON = String(decoding: try JSONEncoder.sorted.encode(config), as: UTF8.self)
        let checkpoint = parameters.checkpoint(metadata: ["mgit.training": configJSON])
        let network = try makeNetwork(parameters.spec, checkpoint)
        return TrainingResult(checkpoint: checkpoint, spec: parameters.spec,
                              train: try Evaluation.evaluate(network, data),
                              test: try test.map { try Evaluation.evaluate(network, $0) },
                              seconds: seconds)
    }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    package var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

extension JSONEncoder {
    /// An encoder with sorted keys, so encoded configs are stable bytes.
    package static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
