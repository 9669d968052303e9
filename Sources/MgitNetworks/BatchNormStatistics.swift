import MgitInterop
import MgitTensor
/// Recomputing BatchNorm running statistics after weights change ("reset BN", Git Re-Basin §A.4; Jordan et
/// al. 2022 REPAIR): interpolated or permuted-and-merged weights make the stored running statistics wrong.
public enum BatchNormStatistics {
    /// The checkpoint with every BatchNorm's `running_mean` and `running_var` recomputed over `dataset`.
    ///
    /// This reproduces PyTorch's reset exactly in structure: `reset_running_stats()`, `momentum = None`
    /// (a cumulative average), then training-mode forward passes over `dataset` in order, `batch` samples at a
    /// time. In training mode every BatchNorm normalises by its own batch's statistics, so each layer sees the
    /// inputs training would give it. The new `running_mean` is the mean over batches of the per-batch means and
    /// `running_var` the mean over batches of the per-batch *unbiased* variances (`m/(m−1)` times the biased
    /// one, `m = n·h·w` positions), as PyTorch stores. `num_batches_tracked`, when present, becomes the number
    /// of batches. Tensors keep their dtypes; everything else is unchanged.
    ///
    /// - Parameters:
    ///   - spec: A ResNet-20 with BatchNorm (the only architecture here with BatchNorm layers).
    ///   - dataset: Inputs `[N, inputSize]`; labels are ignored. Use a training subset (DatasetSubset).
    ///   - batch: Samples per forward pass (PyTorch loaders commonly use 500 for this).
    public static func reset(_ checkpoint: Checkpoint, spec: ArchitectureSpec, on dataset: Dataset,
                             batch: Int = 500) throws -> Checkpoint {
        let built = try makeNetwork(spec, checkpoint)
        guard let network = built as? ResNet20Network, !network.batchNormNames.isEmpty else {
            throw MgitError(.invalidInput, "the \(spec.kind.rawValue) architecture has no BatchNorm layers, so there "
                                + "are no statistics to reset")
        }
        guard dataset.inputs.columns == network.inputSize else {
            throw MgitError(.mismatch, "the network takes \(network.inputSize) inputs per sample but the dataset has "
                                + "\(dataset.inputs.columns)")
        }
        guard dataset.count > 0, batch > 0 else {
            throw MgitError(.invalidInput, "resetting BatchNorm statistics needs at least one sample and a batch of 1 or more")
        }
        let names = network.batchNormNames
        var meanSums = names.map { _ in [Double]() }
        var varSums = meanSums
        var batches = 0
        var start = 0
        while start < dataset.count {
            let end = min(start + batch, dataset.count)
            let statistics = network.batchNormStatistics(dataset.inputs.rows(start..<end))
            precondition(statistics.count == names.count)
            for (i, s) in statistics.enumerated() {
                if meanSums[i].isEmpty {
                    meanSums[i] = [Double](repeating: 0, count: s.mean.count)
                    varSums[i] = meanSums[i]
                }
                let correction = s.positions > 1 ? Double(s.positions) / Double(s.positions - 1) : 1
                for c in s.mean.indices {
                    meanSums[i][c] += Double(s.mean[c])
                    varSums[i][c] += Double(s.variance[c]) * correction
                }
            }
            batches += 1
            start = end
        }
        var updated = checkpoint
        for (i, name) in names.enumerated() {
            for (suffix, sums) in [("running_mean", meanSums[i]), ("running_var", varSums[i])] {
                let key = "\(name).\(suffix)"
                let old = checkpoint[key]!
                updated[key] = Tensor(shape: old.shape, floats: sums.map { Float($0 / Double(batches)) }, dtype: old.dtype)
            }
            let counter = "\(name).num_batches_tracked"
            if let old = checkpoint[counter], old.elementCount == 1, old.dtype == .i64 {
                updated[counter] = Tensor(dtype: .i64, shape: old.shape,
                                          bytes: withUnsafeBytes(of: Int64(batches).littleEndian) { Array($0) })
            }
        }
        return updated
    }
}
