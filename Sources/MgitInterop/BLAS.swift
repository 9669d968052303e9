internal import CBLAS

/// The single-precision matrix product of OpenBLAS, the only BLAS routine the forward passes need.
///
/// Every forward pass, im2col convolution and evaluation reduces to this call; OpenBLAS with a fixed
/// `OPENBLAS_NUM_THREADS` gives the same bits on every run, which bit-identical training relies on.
package enum BLAS {
    /// `c ← alpha · op(a) · op(b) + beta · c`, all row-major.
    ///
    /// - Parameters:
    ///   - a: `op(a)` has shape `[m, k]`; `a` itself is `[k, m]` when `transposeA`; leading dimension `lda`.
    ///   - b: `op(b)` has shape `[k, n]`; `b` itself is `[n, k]` when `transposeB`; leading dimension `ldb`.
    ///   - c: Shape `[m, n]`, leading dimension `ldc`.
    package static func gemm(
        _ m: Int, _ n: Int, _ k: Int,
        _ a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
        _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
        _ c: UnsafeMutablePointer<Float>, ldc: Int,
        alpha: Float = 1, beta: Float = 0
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            // OpenBLAS leaves c untouched for k == 0 but beta must still apply.
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
            return
        }
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

extension BLAS {
    /// Runs `body` with OpenBLAS limited to `threads` threads, then restores the previous count.
    ///
    /// For work that already runs side by side on every core (weight-matching restarts): each lane's products
    /// then stay on its own core instead of oversubscribing. OpenBLAS splits a product's rows and columns, not
    /// its inner dimension, between threads, so the results are the same bits for any thread count.
    package static func withThreads<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        let previous = openblas_get_num_threads()
        openblas_set_num_threads(Int32(max(1, threads)))
        defer { openblas_set_num_threads(previous) }
        return try body()
    }
}
