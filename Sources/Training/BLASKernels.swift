internal import CBLAS

/// The sgemm calls of training's backward pass (row-major), kept apart so only this file imports CBLAS.
enum BLASKernels {
    /// `c ← alpha · op(a) · op(b) + beta · c`; `op(a)` is `[m, k]`, `op(b)` is `[k, n]`, `c` is `[m, n]`.
    static func gemm(_ m: Int, _ n: Int, _ k: Int,
                     _ a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                     _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                     _ c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float) {
        precondition(m > 0 && n > 0 && k > 0)
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
