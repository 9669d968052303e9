import Foundation
import MgitInterop
import MgitTensor
import MgitNetworks

/// REPAIR (Jordan, Sedghi, Saukh, Entezari & Neyshabur 2022, "REPAIR: REnormalizing Permuted Activations for
/// Interpolation Repair", §4) for networks without BatchNorm: after two aligned models are interpolated, the
/// hidden units of the mix have collapsed variance ("variance collapse", §3); REPAIR rescales each hidden unit
/// so that its pre-activation mean and standard deviation on a batch of data interpolate the endpoints'
/// statistics, `μ_t = (1−λ)·μ_A + λ·μ_B` and `σ_t = (1−λ)·σ_A + λ·σ_B`.
///
/// The correction of unit `u`, `z ← (σ_t/σ_M)·(z − μ_M) + μ_t` where `μ_M`, `σ_M` are the mix's own
/// statistics, is folded into the layer's weight row and bias (`W ← s·W`, `b ← s·b + μ_t − s·μ_M`), so the
/// repaired model is a plain checkpoint of the same architecture. Layers are corrected in order, each measured
/// with the layers before it already corrected, as the paper's added-then-fused BatchNorm layers do. A layer
/// without a bias gets the scale only. Statistics are population ones (divide by the number of positions) over
/// every position: samples for a dense layer, samples × height × width for a convolution.
public struct Repair: Sendable {
    /// Per-unit pre-activation statistics of one hidden layer.
    public struct LayerStatistics: Sendable, Equatable, Codable {
        /// The layer's name prefix (`fc1`, `features.3`).
        public var layer: String
        /// Shape `[units]`.
        public var mean: [Double]
        /// Shape `[units]`, population standard deviation.
        public var std: [Double]

        public init(layer: String, mean: [Double], std: [Double]) {
            (self.layer, self.mean, self.std) = (layer, mean, std)
        }
    }

    /// What REPAIR was run with, for reports.
    public struct Summary: Sendable, Equatable, Codable {
        /// Samples the statistics were measured on.
        public var samples: Int
        /// Hidden layers corrected.
        public var layers: Int
        /// Hidden units corrected.
        public var units: Int
        /// Where the samples came from, e.g. `fashion-mnist:train (random 5000, seed 0)`.
        public var data: String

        public init(samples: Int, layers: Int, units: Int, data: String) {
            (self.samples, self.layers, self.units, self.data) = (samples, layers, units, data)
        }
    }

    /// The architecture both endpoints share.
    public let spec: ArchitectureSpec
    /// Inputs the statistics are measured on, shape `[samples, inputSize]`.
    public let data: FloatMatrix
    /// Samples per forward pass.
    public let batch: Int
    /// Model A's statistics (λ = 0).
    public let a: [LayerStatistics]
    /// Model B's statistics (λ = 1), B already aligned to A.
    public let b: [LayerStatistics]

    /// Whether REPAIR applies to an architecture: every hidden layer affine then ReLU (MLP, VGG without BN).
    public static func supports(_ spec: ArchitectureSpec) -> Bool {
        spec.kind == .mlp || spec.kind == .vgg
    }

    /// Measures both endpoints' statistics on `data`.
    ///
    /// - Parameters:
    ///   - a: Model A.
    ///   - b: Model B, aligned into A's basin (the statistics are per unit, so B's units must be A's).
    ///   - data: Shape `[samples, inputSize]`; training data, never the data the merge is judged on.
    /// - Throws: `.invalidInput` for an architecture REPAIR does not cover or no samples; `.mismatch` when the
    ///   data does not fit the network.
    public init(a: Checkpoint, b: Checkpoint, spec: ArchitectureSpec, data: FloatMatrix, batch: Int = 1000) throws {
        self.spec = spec
        self.data = data
        self.batch = max(1, batch)
        self.a = try Self.statistics(of: a, spec: spec, on: data, batch: batch)
        self.b = try Self.statistics(of: b, spec: spec, on: data, batch: batch)
    }

    /// The statistics REPAIR aims for at λ: `(1−λ)·μ_A + λ·μ_B` and `(1−λ)·σ_A + λ·σ_B` per unit.
    public func targets(lambda: Double) -> [LayerStatistics] {
        zip(a, b).map { la, lb in
            LayerStatistics(layer: la.layer,
                            mean: zip(la.mean, lb.mean).map { (1 - lambda) * $0 + lambda * $1 },
                            std: zip(la.std, lb.std).map { (1 - lambda) * $0 + lambda * $1 })
        }
    }

    /// The interpolated model `mixed` (θ(λ) between A and B) repaired towards the statistics at λ; at λ = 0
    /// and λ = 1 the endpoint itself needs no repair and is returned unchanged.
    public func repair(_ mixed: Checkpoint, lambda: Double) throws -> Checkpoint {
        if lambda == 0 || lambda == 1 { return mixed }
        return try Self.repair(mixed, spec: spec, targets: targets(lambda: lambda), on: data, batch: batch)
    }

    /// A summary for reports.
    public func summary(data description: String) -> Summary {
        Summary(samples: data.rows, layers: a.count, units: a.reduce(0) { $0 + $1.mean.count }, data: description)
    }

    /// Every hidden layer's per-unit pre-activation mean and standard deviation over `data`.
    ///
    /// - Parameter data: Shape `[samples, inputSize]`.
    /// - Returns: One entry per hidden layer, in forward order; `mean` and `std` of shape `[units]`.
    public static func statistics(of checkpoint: Checkpoint, spec: ArchitectureSpec, on data: FloatMatrix,
                                  batch: Int = 1000) throws -> [LayerStatistics] {
        let network = try visitingNetwork(spec, checkpoint, data: data)
        var sums: [(layer: String, sum: [Double], squares: [Double], positions: Int)] = []
        for range in batches(data.rows, batch) {
            var index = 0
            network.forward(data.rows(range)) { pre in
                let (s, q) = pre.sums()
                if index == sums.count {
                    sums.append((pre.layer, s, q, pre.positions))
                } else {
                    for u in 0..<pre.units {
                        sums[index].sum[u] += s[u]
                        sums[index].squares[u] += q[u]
                    }
                    sums[index].positions += pre.positions
                }
                index += 1
                return true
            }
        }
        return sums.map { layer in
            let (mean, std) = meanAndStd(sum: layer.sum, squares: layer.squares, count: layer.positions)
            return LayerStatistics(layer: layer.layer, mean: mean, std: std)
        }
    }

    /// `checkpoint` with each hidden unit's pre-activation statistics on `data` moved to `targets`, the
    /// correction folded into `<layer>.weight` (each unit's row scaled) and `<layer>.bias`.
    ///
    /// - Parameters:
    ///   - targets: One entry per hidden layer in forward order, as ``statistics(of:spec:on:batch:)`` gives.
    ///   - data: Shape `[samples, inputSize]`.
    /// - Returns: The same tensor names, shapes and dtypes; only hidden layers' weights and biases change.
    public static func repair(_ checkpoint: Checkpoint, spec: ArchitectureSpec, targets: [LayerStatistics],
                              on data: FloatMatrix, batch: Int = 1000) throws -> Checkpoint {
        let network = try visitingNetwork(spec, checkpoint, data: data)
        var corrections: [(layer: String, scale: [Float], shift: [Float])] = []
        for (l, target) in targets.enumerated() {
            // Measure layer l of the model with layers 0..<l already corrected; the pass stops at layer l.
            var sum: [Double] = [], squares: [Double] = [], positions = 0, hasBias = false
            var failure: MgitError?
            for range in batches(data.rows, batch) {
                var index = 0
                network.forward(data.rows(range)) { pre in
                    if index < l {
                        pre.apply(scale: corrections[index].scale, shift: corrections[index].shift)
                        index += 1
                        return true
                    }
                    guard pre.layer == target.layer, pre.units == target.mean.count, pre.units == target.std.count else {
                        failure = MgitError(.mismatch, "REPAIR targets name layer '\(target.layer)' with "
                                            + "\(target.mean.count) units but hidden layer \(l + 1) is '\(pre.layer)' "
                                            + "with \(pre.units)")
                        return false
                    }
                    let (s, q) = pre.sums()
                    if sum.isEmpty { (sum, squares) = (s, q) } else {
                        for u in 0..<pre.units {
                            sum[u] += s[u]
                            squares[u] += q[u]
                        }
                    }
                    positions += pre.positions
                    hasBias = pre.hasBias
                    return false
                }
                if let failure { throw failure }
            }
            guard positions > 0 else {
                throw MgitError(.mismatch, "REPAIR targets \(targets.count) hidden layers but the network has \(l)")
            }
            let (mean, std) = meanAndStd(sum: sum, squares: squares, count: positions)
            var scale = [Float](repeating: 1, count: mean.count), shift = [Float](repeating: 0, count: mean.count)
            for u in mean.indices {
                // A unit that never varies on the data (a dead ReLU input) cannot be rescaled: move its mean only.
                let s = std[u] > 1e-12 * max(1, abs(mean[u])) ? target.std[u] / std[u] : 1
                scale[u] = Float(s)
                if hasBias { shift[u] = Float(target.mean[u] - s * mean[u]) }
            }
            corrections.append((target.layer, scale, shift))
        }
        var repaired = checkpoint
        for c in corrections {
            let weightName = "\(c.layer).weight", biasName = "\(c.layer).bias"
            guard let weight = checkpoint[weightName], weight.shape.first == c.scale.count else {
                throw MgitError(.mismatch, "REPAIR needs tensor '\(weightName)' with \(c.scale.count) rows")
            }
            var w = weight.floats()
            let row = w.count / c.scale.count
            for u in c.scale.indices {
                for k in 0..<row { w[u * row + k] *= c.scale[u] }
            }
            repaired[weightName] = Tensor(shape: weight.shape, floats: w, dtype: weight.dtype)
            if let bias = checkpoint[biasName] {
                let b = bias.floats()
                repaired[biasName] = Tensor(shape: bias.shape, floats: c.scale.indices.map { c.scale[$0] * b[$0] + c.shift[$0] },
                                            dtype: bias.dtype)
            }
        }
        return repaired
    }

    private static func visitingNetwork(_ spec: ArchitectureSpec, _ checkpoint: Checkpoint,
                                        data: FloatMatrix) throws -> any PreActivationVisiting {
        guard supports(spec), let network = try makeNetwork(spec, checkpoint) as? any PreActivationVisiting else {
            throw MgitError(.invalidInput, "REPAIR covers MLPs and VGGs without BatchNorm, not \(spec.kind.rawValue); "
                            + "a ResNet with BatchNorm has its statistics reset instead (use --no-repair)")
        }
        guard data.columns == network.inputSize else {
            throw MgitError(.mismatch, "the network takes \(network.inputSize) inputs per sample but the REPAIR data has "
                            + "\(data.columns)")
        }
        guard data.rows > 0 else { throw MgitError(.invalidInput, "REPAIR needs at least one sample") }
        return network
    }

    private static func batches(_ count: Int, _ batch: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: max(1, batch)).map { $0..<min($0 + max(1, batch), count) }
    }

    private static func meanAndStd(sum: [Double], squares: [Double], count: Int) -> (mean: [Double], std: [Double]) {
        let n = Double(count)
        let mean = sum.map { $0 / n }
        let std = zip(squares, mean).map { q, m in (max(0, q / n - m * m)).squareRoot() }
        return (mean, std)
    }
}

extension Repair {
    /// The samples REPAIR measures statistics on when models are evaluated on `data`, as BatchNorm statistics
    /// are recomputed: `count` random samples (seed `seed`) of Fashion-MNIST's train split for
    /// `fashion-mnist:*`, else of the same dataset file (only its inputs are read, never its labels).
    ///
    /// - Returns: Inputs `[min(count, N), features]` and a description for reports.
    public static func inputs(forEvaluationData data: String, count: Int = 5000,
                              seed: UInt64 = 0) throws -> (inputs: FloatMatrix, description: String) {
        let source = try DatasetSource.parse(data)
        let train: DatasetSource = if case .fashionMNIST = source { .fashionMNIST(.train) } else { source }
        let all = try train.load()
        let n = min(max(1, count), all.count)
        let subset = try DatasetSubset.random(count: n, seed: seed).apply(to: all)
        return (subset.inputs, "\(train.description) (random \(n), seed \(seed))")
    }
}
