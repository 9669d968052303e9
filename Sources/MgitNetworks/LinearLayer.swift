import MgitInterop
import MgitTensor
/// A PyTorch `nn.Linear`: `y = x · Wᵀ + b` with `W` of shape `[out, in]`.
package struct LinearLayer: Sendable {
    /// The name prefix, `fc1` for `fc1.weight`.
    package let name: String
    package let inputs: Int
    package let outputs: Int
    /// Shape `[outputs, inputs]`, row-major.
    package let weight: [Float]
    /// Shape `[outputs]`; zeros when the checkpoint has no bias.
    package let bias: [Float]
    /// Whether the checkpoint has `<name>.bias` (a shift can be folded into it).
    package let hasBiasTensor: Bool

    /// Reads `<name>.weight` (`[out, in]`) and the optional `<name>.bias` (`[out]`).
    package init(name: String, reader: inout ParameterReader) throws {
        let w = try reader.tensor("\(name).weight")
        guard w.shape.count == 2 else {
            throw MgitError(.mismatch, "tensor '\(name).weight' has shape \(w.shape) but a Linear weight is 2-D "
                                + "[out, in]")
        }
        self.name = name
        (outputs, inputs) = (w.shape[0], w.shape[1])
        weight = w.floats()
        hasBiasTensor = reader.contains("\(name).bias")
        bias = hasBiasTensor
            ? try reader.floats("\(name).bias", shape: [outputs])
            : [Float](repeating: 0, count: outputs)
    }

    /// `x · Wᵀ + b`, optionally followed by ReLU.
    ///
    /// - Parameter x: Shape `[n, inputs]`.
    /// - Returns: Shape `[n, outputs]`.
    package func apply(_ x: FloatMatrix, relu: Bool) -> FloatMatrix {
        precondition(x.columns == inputs, "layer '\(name)' takes \(inputs) inputs, got \(x.columns)")
        let n = x.rows
        var out = [Float](repeating: 0, count: n * outputs)
        guard n > 0 else { return FloatMatrix(rows: 0, columns: outputs, values: out) }
        out.withUnsafeMutableBufferPointer { y in
            bias.withUnsafeBufferPointer { b in
                for r in 0..<n { y.baseAddress!.advanced(by: r * outputs).update(from: b.baseAddress!, count: outputs) }
            }
            x.values.withUnsafeBufferPointer { xp in
                weight.withUnsafeBufferPointer { wp in
                    BLAS.gemm(n, outputs, inputs, xp.baseAddress!, lda: inputs,
                              wp.baseAddress!, ldb: inputs, transposeB: true,
                              y.baseAddress!, ldc: outputs, beta: 1)
                }
            }
            if relu { for i in y.indices { y[i] = max(y[i], 0) } }
        }
        return FloatMatrix(rows: n, columns: outputs, values: out)
    }
}
