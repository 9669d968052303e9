import MgitInterop

extension FloatMatrix {
    /// The matrix product `op(a) · op(b)` in single precision through OpenBLAS.
    ///
    /// - Parameters:
    ///   - a: Shape `[m, k]`, or `[k, m]` when `transposingA`.
    ///   - b: Shape `[k, n]`, or `[n, k]` when `transposingB`.
    /// - Returns: Shape `[m, n]`.
    public static func product(_ a: FloatMatrix, _ b: FloatMatrix,
                               transposingA: Bool = false, transposingB: Bool = false) -> FloatMatrix {
        let (m, k) = transposingA ? (a.columns, a.rows) : (a.rows, a.columns)
        let (kb, n) = transposingB ? (b.columns, b.rows) : (b.rows, b.columns)
        precondition(k == kb, "inner dimensions differ: \(k) and \(kb)")
        var out = [Float](repeating: 0, count: m * n)
        guard m > 0, n > 0, k > 0 else { return FloatMatrix(rows: m, columns: n, values: out) }
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { pc in
                    BLAS.gemm(m, n, k, pa.baseAddress!, lda: a.columns, transposeA: transposingA,
                              pb.baseAddress!, ldb: b.columns, transposeB: transposingB,
                              pc.baseAddress!, ldc: n)
                }
            }
        }
        return FloatMatrix(rows: m, columns: n, values: out)
    }
}
