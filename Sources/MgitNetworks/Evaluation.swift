import Foundation
import MgitInterop
import MgitTensor

/// Loss and accuracy of a network on a dataset: batched forward passes, stable log-softmax cross-entropy.
public enum Evaluation {
    /// The mean cross-entropy and accuracy of `network` over every sample of `dataset`.
    ///
    /// Forward passes run in `Float` (sgemm); each sample's loss `logsumexp(z) − z_label` is computed in `Float`
    /// with the maximum subtracted first, and the losses are summed in `Double` in sample order, so the result
    /// does not depend on `batch` beyond float rounding of the forward pass.
    ///
    /// - Parameters:
    ///   - dataset: Inputs `[N, network.inputSize]`, labels in `0..<network.classCount`.
    ///   - batch: Samples per forward pass; bounds memory (a ResNet batch of 500 needs about 300 MB).
    public static func evaluate(_ network: any Network, _ dataset: Dataset, batch: Int = 1000) throws -> EvalResult {
        try check(network, dataset)
        guard batch > 0 else { throw MgitError(.invalidInput, "the evaluation batch must be at least 1, got \(batch)") }
        guard dataset.count > 0 else {
            throw MgitError(.invalidInput, "cannot evaluate on zero samples: the loss over no data is 0 and would pass "
                            + "every barrier gate; use a data set with rows (and --samples of at least 1)")
        }
        var lossSum = 0.0
        var correct = 0
        var start = 0
        while start < dataset.count {
            let end = min(start + batch, dataset.count)
            let logits = network.forward(dataset.inputs.rows(start..<end))
            let scored = score(logits: logits, labels: dataset.labels[start..<end])
            lossSum += scored.lossSum
            correct += scored.correct
            start = end
        }
        let n = dataset.count
        return EvalResult(loss: lossSum / Double(n), accuracy: Double(correct) / Double(n), count: n)
    }

    /// Builds the network `spec` describes (or, when nil, the MLP detected from the tensor names) and
    /// evaluates it on `dataset`: the one call `mgit eval` needs.
    ///
    /// - Parameter dataset: Inputs `[N, features]` matching the network's input, labels `[N]`.
    public static func evaluate(_ checkpoint: Checkpoint, spec: ArchitectureSpec?, on dataset: Dataset,
                                batch: Int = 1000) throws -> EvalResult {
        let network = try makeNetwork(spec ?? ArchitectureSpec.detect(from: checkpoint), checkpoint)
        return try evaluate(network, dataset, batch: batch)
    }

    /// Fails unless `dataset` fits `network`: the feature count and the label range.
    public static func check(_ network: any Network, _ dataset: Dataset) throws {
        guard dataset.inputs.columns == network.inputSize else {
            throw MgitError(.mismatch, "the network takes \(network.inputSize) inputs per sample but the dataset "
                                + "has \(dataset.inputs.columns) (sample shape \(dataset.sampleShape))")
        }
        guard dataset.classCount <= network.classCount else {
            throw MgitError(.mismatch, "the dataset has label \(dataset.classCount - 1) but the network has only "
                                + "\(network.classCount) classes")
        }
    }

    /// The summed cross-entropy and the number of correct predictions of a batch of logits.
    ///
    /// - Parameters:
    ///   - logits: Shape `[n, classes]`.
    ///   - labels: `n` class ids in `0..<classes`.
    public static func score(logits: FloatMatrix, labels: ArraySlice<Int>) -> (lossSum: Double, correct: Int) {
        precondition(logits.rows == labels.count)
        let k = logits.columns
        var lossSum = 0.0
        var correct = 0
        logits.values.withUnsafeBufferPointer { z in
            for (r, label) in labels.enumerated() {
                let row = z.baseAddress!.advanced(by: r * k)
                var best = 0
                for j in 1..<max(k, 1) where row[j] > row[best] { best = j }
                let m = row[best]
                var sum: Float = 0
                for j in 0..<k { sum += expf(row[j] - m) }
                lossSum += Double(logf(sum) + m - row[label])
                if best == label { correct += 1 }
            }
        }
        return (lossSum, correct)
    }
}
