/// A normalisation layer over the channels of a feature map: BatchNorm (evaluation mode) or LayerNorm.
///
/// LayerNorm here normalises each position's channel vector (mean and biased variance over the `C` channels)
/// and scales by per-channel weight and bias of shape `[C]`, as the Git Re-Basin ResNets do. Both use eps 1e-5.
package struct NormLayer: Sendable {
    package enum Kind: Sendable { case batch, layer }

    /// The name prefix, `layer1.0.bn1` for `layer1.0.bn1.weight`.
    package let name: String
    package let kind: Kind
    package let channels: Int
    /// Shape `[channels]` each.
    package let weight: [Float], bias: [Float]
    /// BatchNorm only: the running mean and (unbiased) running variance, shape `[channels]`.
    package let runningMean: [Float], runningVar: [Float]

    package static let eps: Float = 1e-5

    package init(name: String, kind: Kind, channels: Int, reader: inout ParameterReader) throws {
        self.name = name
        self.kind = kind
        self.channels = channels
        weight = try reader.floats("\(name).weight", shape: [channels])
        bias = try reader.floats("\(name).bias", shape: [channels])
        if kind == .batch {
            runningMean = try reader.floats("\(name).running_mean", shape: [channels])
            runningVar = try reader.floats("\(name).running_var", shape: [channels])
        } else {
            (runningMean, runningVar) = ([], [])
        }
    }

    /// Per-channel statistics of one batch (BatchNorm in training mode).
    package struct BatchStatistics {
        /// Shape `[channels]`: the mean over the batch's `n·h·w` positions.
        package var mean: [Float]
        /// Shape `[channels]`: the biased variance (what training mode normalises by).
        package var variance: [Float]
        /// The number of positions the statistics cover, `n·h·w`.
        package var positions: Int

        /// The memberwise initializer, for the modules above this one.
        package init(mean: [Float], variance: [Float], positions: Int) {
            self.mean = mean
            self.variance = variance
            self.positions = positions
        }
    }

    /// Normalises `x` in place with the running statistics (BatchNorm) or the position's own (LayerNorm).
    ///
    /// - Parameter x: `[channels, n, h, w]`.
    package func apply(_ x: inout FeatureMap) {
        precondition(x.channels == channels, "norm '\(name)' takes \(channels) channels, got \(x.channels)")
        switch kind {
        case .batch:
            normalise(&x, mean: runningMean, variance: runningVar)
        case .layer:
            let plane = x.plane
            // Per position: the mean, then the reciprocal standard deviation, over the channels.
            var mean = [Float](repeating: 0, count: plane)
            var inverseStd = [Float](repeating: 0, count: plane)
            let inverseCount = 1 / Float(channels)
            x.values.withUnsafeMutableBufferPointer { v in
                mean.withUnsafeMutableBufferPointer { m in
                    inverseStd.withUnsafeMutableBufferPointer { r in
                        // Channel-major storage: sweep channel rows, accumulating per position, so loops stay
                        // contiguous and vectorise.
                        for c in 0..<channels {
                            let row = v.baseAddress! + c * plane
                            for i in 0..<plane { m[i] += row[i] }
                        }
                        for i in 0..<plane { m[i] *= inverseCount }
                        for c in 0..<channels {
                            let row = v.baseAddress! + c * plane
                            for i in 0..<plane { let d = row[i] - m[i]; r[i] += d * d }
                        }
                        for i in 0..<plane { r[i] = 1 / (r[i] * inverseCount + Self.eps).squareRoot() }
                        for c in 0..<channels {
                            let row = v.baseAddress! + c * plane
                            let (w, b) = (weight[c], bias[c])
                            for i in 0..<plane { row[i] = (row[i] - m[i]) * r[i] * w + b }
                        }
                    }
                }
            }
        }
    }

    /// BatchNorm in training mode: normalises `x` in place by the batch's own statistics and returns them.
    ///
    /// - Parameter x: `[channels, n, h, w]`.
    package func applyTrainingMode(_ x: inout FeatureMap) -> BatchStatistics {
        precondition(kind == .batch && x.channels == channels)
        let stats = Self.statistics(of: x)
        normalise(&x, mean: stats.mean, variance: stats.variance)
        return stats
    }

    private func normalise(_ x: inout FeatureMap, mean: [Float], variance: [Float]) {
        let plane = x.plane
        x.values.withUnsafeMutableBufferPointer { v in
            for c in 0..<channels {
                let scale = weight[c] / (variance[c] + Self.eps).squareRoot()
                let shift = bias[c] - mean[c] * scale
                let base = c * plane
                for i in 0..<plane { v[base + i] = v[base + i] * scale + shift }
            }
        }
    }

    /// The per-channel mean and biased variance of `x` over its `n·h·w` positions, summed in Double.
    package static func statistics(of x: FeatureMap) -> BatchStatistics {
        let plane = x.plane
        var mean = [Float](repeating: 0, count: x.channels), variance = mean
        x.values.withUnsafeBufferPointer { v in
            for c in 0..<x.channels {
                let base = c * plane
                var sum = 0.0
                for i in 0..<plane { sum += Double(v[base + i]) }
                let m = sum / Double(plane)
                var squares = 0.0
                for i in 0..<plane { let d = Double(v[base + i]) - m; squares += d * d }
                mean[c] = Float(m)
                variance[c] = Float(squares / Double(plane))
            }
        }
        return BatchStatistics(mean: mean, variance: variance, positions: plane)
    }
}
