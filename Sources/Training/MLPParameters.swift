import Foundation
import MgitTensor
import MgitNetworks

/// The weights and biases of a ReLU MLP in one flat buffer, with its forward and backward pass on sgemm.
///
/// Layer `l` (0-based) maps `widths[l]` inputs to `widths[l+1]` outputs; its weight `[out, in]` (PyTorch's
/// Linear layout) is followed by its bias `[out]`. Keeping every parameter in one buffer lets an optimiser
/// step be a single loop and the gradient have the same layout.
public struct MLPParameters: Sendable, Equatable {
    /// Layer widths from input to output, e.g. `[784, 512, 512, 512, 10]`.
    public let widths: [Int]
    /// Every parameter: for each layer its weight `[out, in]` row-major, then its bias `[out]`.
    public var values: [Float]

    /// Number of Linear layers.
    public var layerCount: Int { widths.count - 1 }

    /// Wraps a flat parameter buffer for `widths`.
    public init(widths: [Int], values: [Float]) {
        precondition(widths.count >= 2 && widths.allSatisfy { $0 > 0 })
        precondition(values.count == Self.parameterCount(widths), "\(values.count) values do not fit widths \(widths)")
        self.widths = widths
        self.values = values
    }

    /// He initialisation (He et al. 2015 §2.2): weights `N(0, 2/fan_in)`, biases zero, drawn layer by layer
    /// in row-major order from `SeededGenerator(seed:)`.
    public static func heInitialized(widths: [Int], seed: UInt64) -> MLPParameters {
        var generator = SeededGenerator(seed: seed)
        var values: [Float] = []
        values.reserveCapacity(parameterCount(widths))
        for l in 0..<(widths.count - 1) {
            let std = (2.0 / Double(widths[l])).squareRoot()
            for _ in 0..<(widths[l] * widths[l + 1]) { values.append(Float(generator.nextGaussian() * std)) }
            values.append(contentsOf: repeatElement(0, count: widths[l + 1]))
        }
        return MLPParameters(widths: widths, values: values)
    }

    /// Reads an MLP checkpoint (names as `ArchitectureSpec.detect(from:)` orders them), e.g. to fine-tune.
    public init(checkpoint: Checkpoint) throws {
        let spec = try ArchitectureSpec.detect(from: checkpoint)
        guard let network = try makeNetwork(spec, checkpoint) as? MLPNetwork else {
            preconditionFailure("an MLP spec builds an MLPNetwork")
        }
        var values: [Float] = []
        for name in spec.layers ?? [] {
            values += checkpoint["\(name).weight"]!.floats()
            values += checkpoint["\(name).bias"]?.floats() ?? [Float](repeating: 0, count: checkpoint["\(name).weight"]!.shape[0])
        }
        self.init(widths: network.widths, values: values)
    }

    /// The parameters as an F32 checkpoint named `fc1.weight`, `fc1.bias`, `fc2.weight`, …
    public func checkpoint(metadata: [String: String] = [:]) -> Checkpoint {
        var c = Checkpoint(metadata: metadata)
        for l in 0..<layerCount {
            let (w, b) = (weightOffset(l), biasOffset(l))
            c["fc\(l + 1).weight"] = Tensor(shape: [widths[l + 1], widths[l]], floats: Array(values[w..<b]))
            c["fc\(l + 1).bias"] = Tensor(shape: [widths[l + 1]], floats: Array(values[b..<(b + widths[l + 1])]))
        }
        return c
    }

    /// The mean cross-entropy of a batch and its gradient with respect to every parameter.
    ///
    /// Forward: `a₀ = x`, `zₗ = aₗ₋₁·Wₗᵀ + bₗ`, `aₗ = relu(zₗ)` except the last layer. Backward:
    /// `∂z_L = (softmax(z_L) − onehot(y)) / n`, `∂Wₗ = ∂zₗᵀ·aₗ₋₁`, `∂bₗ = Σ_rows ∂zₗ`,
    /// `∂zₗ₋₁ = (∂zₗ·Wₗ) ⊙ [aₗ₋₁ > 0]`. Products run on sgemm; reductions run in a fixed order.
    ///
    /// - Parameters:
    ///   - x: Shape `[n, widths[0]]`.
    ///   - labels: `n` class ids in `0..<widths.last`.
    /// - Returns: The mean loss (nats) and the gradient, laid out like `values`.
    public func lossAndGradient(_ x: FloatMatrix, labels: ArraySlice<Int>) -> (loss: Double, gradient: [Float]) {
        let (loss, gradient, _) = backpropagate(x, labels: labels, inputGradient: false)
        return (loss, gradient)
    }

    /// `lossAndGradient`, and when `inputGradient` is set also `∂loss/∂x` `[n, widths[0]]` (for a network
    /// whose classifier this MLP is); otherwise the third result is empty.
    package func backpropagate(_ x: FloatMatrix, labels: ArraySlice<Int>, inputGradient: Bool)
        -> (loss: Double, gradient: [Float], input: [Float]) {
        let n = x.rows
        precondition(n > 0 && n == labels.count && x.columns == widths[0])
        let layers = layerCount
        // activations[l] is the input of layer l, shape [n, widths[l]].
        var activations: [[Float]] = [x.values]
        var logits: [Float] = []
        values.withUnsafeBufferPointer { p in
            for l in 0..<layers {
                let (inputs, outputs) = (widths[l], widths[l + 1])
                var z = [Float](repeating: 0, count: n * outputs)
                z.withUnsafeMutableBufferPointer { zp in
                    let bias = p.baseAddress! + biasOffset(l)
                    for r in 0..<n { (zp.baseAddress! + r * outputs).update(from: bias, count: outputs) }
                    activations[l].withUnsafeBufferPointer { a in
                        BLASKernels.gemm(n, outputs, inputs, a.baseAddress!, lda: inputs, transposeA: false,
                                         p.baseAddress! + weightOffset(l), ldb: inputs, transposeB: true,
                                         zp.baseAddress!, ldc: outputs, beta: 1)
                    }
                    if l < layers - 1 { for i in zp.indices { zp[i] = max(zp[i], 0) } }
                }
                if l < layers - 1 { activations.append(z) } else { logits = z }
            }
        }

        let classes = widths[layers]
        var lossSum = 0.0
        var delta = logits // becomes ∂z_L
        delta.withUnsafeMutableBufferPointer { d in
            let scale = 1 / Float(n)
            for (r, label) in labels.enumerated() {
                let row = d.baseAddress! + r * classes
                var m = row[0]
                for j in 1..<classes { m = max(m, row[j]) }
                var sum: Float = 0
                for j in 0..<classes { row[j] = expf(row[j] - m); sum += row[j] }
                lossSum += Double(logf(sum) + m - logits[r * classes + label])
                for j in 0..<classes { row[j] = row[j] / sum * scale }
                row[label] -= scale
            }
        }

        var gradient = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { p in
            gradient.withUnsafeMutableBufferPointer { g in
                for l in stride(from: layers - 1, through: 0, by: -1) {
                    let (inputs, outputs) = (widths[l], widths[l + 1])
                    delta.withUnsafeBufferPointer { d in
                        activations[l].withUnsafeBufferPointer { a in
                            BLASKernels.gemm(outputs, inputs, n, d.baseAddress!, lda: outputs, transposeA: true,
                                             a.baseAddress!, ldb: inputs, transposeB: false,
                                             g.baseAddress! + weightOffset(l), ldc: inputs, beta: 0)
                        }
                        let bias = g.baseAddress! + biasOffset(l)
                        for r in 0..<n {
                            let row = d.baseAddress! + r * outputs
                            for j in 0..<outputs { bias[j] += row[j] }
                        }
                    }
                    guard l > 0 || inputGradient else { break }
                    var previous = [Float](repeating: 0, count: n * inputs)
                    previous.withUnsafeMutableBufferPointer { dp in
                        delta.withUnsafeBufferPointer { d in
                            BLASKernels.gemm(n, inputs, outputs, d.baseAddress!, lda: outputs, transposeA: false,
                                             p.baseAddress! + weightOffset(l), ldb: inputs, transposeB: false,
                                             dp.baseAddress!, ldc: inputs, beta: 0)
                        }
                        // The network input has no ReLU in front of it.
                        if l > 0 {
                            activations[l].withUnsafeBufferPointer { a in
                                for i in dp.indices where a[i] <= 0 { dp[i] = 0 }
                            }
                        }
                    }
                    delta = previous
                }
            }
        }
        return (lossSum / Double(n), gradient, inputGradient ? delta : [])
    }

    package func weightOffset(_ layer: Int) -> Int {
        var offset = 0
        for l in 0..<layer { offset += (widths[l] + 1) * widths[l + 1] }
        return offset
    }

    package func biasOffset(_ layer: Int) -> Int { weightOffset(layer) + widths[layer] * widths[layer + 1] }

    package static func parameterCount(_ widths: [Int]) -> Int {
        zip(widths, widths.dropFirst()).reduce(0) { $0 + ($1.0 + 1) * $1.1 }
    }
}
