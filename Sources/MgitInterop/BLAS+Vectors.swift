internal import CBLAS

/// Level-1 BLAS over contiguous `Float` vectors: the vectorised loops of the task-vector merge methods.
///
/// OpenBLAS picks the widest SIMD kernel the CPU has (AVX2/AVX-512 on x86-64, NEON on arm64); the merge
/// methods call these instead of scalar Swift loops over `[Float]`. All vectors have stride 1 and `n` elements.
package enum VectorBLAS {
    /// `y ← alpha · x + y`.
    package static func axpy(_ n: Int, _ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        guard n > 0 else { return }
        forChunks(n) { start, count in
            cblas_saxpy(Int32(count), alpha, x + start, 1, y + start, 1)
        }
    }

    /// `x ← alpha · x`.
    package static func scale(_ n: Int, _ alpha: Float, _ x: UnsafeMutablePointer<Float>) {
        guard n > 0 else { return }
        forChunks(n) { start, count in
            cblas_sscal(Int32(count), alpha, x + start, 1)
        }
    }

    /// `Σ x_i·y_i` accumulated in double precision (`dsdot`): products of floats summed without the f32 rounding
    /// that puts SLERP's colinearity test on the wrong side of its threshold.
    package static func dot(_ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Double {
        guard n > 0 else { return 0 }
        var sum = 0.0
        forChunks(n) { start, count in
            sum += cblas_dsdot(Int32(count), x + start, 1, y + start, 1)
        }
        return sum
    }

    /// `Σ |x_i|`, the L1 norm, accumulated in double precision per chunk of 2^20 elements.
    package static func sumOfMagnitudes(_ n: Int, _ x: UnsafePointer<Float>) -> Double {
        guard n > 0 else { return 0 }
        var sum = 0.0
        forChunks(n, chunk: 1 << 20) { start, count in
            sum += Double(cblas_sasum(Int32(count), x + start, 1))
        }
        return sum
    }

    /// Splits `0..<n` into runs short enough for BLAS's 32-bit lengths.
    private static func forChunks(_ n: Int, chunk: Int = 1 << 30, _ body: (Int, Int) -> Void) {
        var start = 0
        while start < n {
            let count = min(chunk, n - start)
            body(start, count)
            start += count
        }
    }
}
