/// A row-major `Float` matrix: a batch of inputs, logits or hidden activations.
///
/// Rows are samples (or sample positions, for convolutional activations) and columns are features or units,
/// so a batch of `n` Fashion-MNIST images is `[n, 784]` and a batch of logits is `[n, classes]`.
public struct FloatMatrix: Sendable, Equatable {
    /// The number of rows.
    public let rows: Int
    /// The number of columns.
    public let columns: Int
    /// The elements, row-major: element `(r, c)` is `values[r * columns + c]`.
    public var values: [Float]

    /// Wraps `values`, row-major with shape `[rows, columns]`.
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(rows >= 0 && columns >= 0 && values.count == rows * columns,
                     "\(values.count) values do not fill a [\(rows), \(columns)] matrix")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// A `[rows, columns]` matrix of `value`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        self.init(rows: rows, columns: columns, values: [Float](repeating: value, count: rows * columns))
    }

    /// The element at row `r`, column `c`.
    public subscript(r: Int, c: Int) -> Float {
        get { values[r * columns + c] }
        set { values[r * columns + c] = newValue }
    }

    /// The rows `range` as a new matrix of shape `[range.count, columns]`.
    public func rows(_ range: Range<Int>) -> FloatMatrix {
        FloatMatrix(rows: range.count, columns: columns,
                    values: Array(values[(range.lowerBound * columns)..<(range.upperBound * columns)]))
    }

    /// The rows at `indices`, in that order, as a new matrix of shape `[indices.count, columns]`.
    public func rows(at indices: [Int]) -> FloatMatrix {
        var out = [Float](repeating: 0, count: indices.count * columns)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (i, r) in indices.enumerated() {
                    precondition(r >= 0 && r < rows, "row \(r) out of 0..<\(rows)")
                    dst.baseAddress!.advanced(by: i * columns)
                        .update(from: src.baseAddress!.advanced(by: r * columns), count: columns)
                }
            }
        }
        return FloatMatrix(rows: indices.count, columns: columns, values: out)
    }

    /// The transpose, shape `[columns, rows]`.
    public func transposed() -> FloatMatrix {
        var out = [Float](repeating: 0, count: values.count)
        let (m, n) = (rows, columns)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                // Blocked so that both the reads and the writes stay within a few cache lines.
                let block = 32
                for r0 in stride(from: 0, to: m, by: block) {
                    for c0 in stride(from: 0, to: n, by: block) {
                        for r in r0..<min(r0 + block, m) {
                            for c in c0..<min(c0 + block, n) { dst[c * m + r] = src[r * n + c] }
                        }
                    }
                }
            }
        }
        return FloatMatrix(rows: n, columns: m, values: out)
    }
}
