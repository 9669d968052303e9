import MgitInterop

/// The sgemm calls of training's backward pass (row-major), kept apart all through the interop layer's BLAS.
package enum BLASKernels {
    /// `c ← alpha · op(a) · op(b) + beta · c`; `op(a)` is `[m, k]`, `op(b)` is `[k, n]`, `c` is `[m, n]`.
    package static func gemm(_ m: Int, _ n: Int, _ k: Int,
                     _ a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                     _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                     _ c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float) {
        precondition(m > 0 && n > 0 && k > 0)
        BLAS.gemm(m, n, k, a, lda: lda, transposeA: transposeA, b, ldb: ldb, transposeB: transposeB, c, ldc: ldc,
                  beta: beta)
    }
}
