import MgitInterop
import MgitTensor

/// TIES's trim step (Yadav et al. 2023 §3 "trim"): keep the largest-magnitude entries of a task vector.
///
/// As mergekit's `sparsify.magnitude`: density ≥ 1 keeps everything, density ≤ 0 keeps nothing, otherwise
/// `k = max(1, ⌊density·n⌋)` entries are kept. Ties at the k-th magnitude are broken by position: among equal
/// magnitudes the earlier entries (row-major) are kept, so the result never depends on a sort's stability.
public enum MagnitudeTrim {
    /// Zeroes all but the `k` largest |τ_j| of `tau` (`n` elements), then rescales what is kept.
    public static func apply(_ tau: inout [Float], density: Double, rescale: DeltaRescale) {
        let n = tau.count
        if density >= 1 || n == 0 { return }
        if density <= 0 {
            tau = [Float](repeating: 0, count: n)
            return
        }
        let k = max(1, Int(density * Double(n)))
        let before = rescale == .l1 ? tau.withUnsafeBufferPointer { VectorBLAS.sumOfMagnitudes(n, $0.baseAddress!) } : 0
        var magnitudes = tau.map { $0.isNaN ? Float.infinity : abs($0) }  // NaN must not break the selection's order
        let threshold = kthLargest(&magnitudes, k)
        tau.withUnsafeMutableBufferPointer { t in
            var above = 0
            for j in 0..<n { above += abs(t[j]) > threshold ? 1 : 0 }
            var equalsLeft = k - above
            for j in 0..<n {
                let m = abs(t[j])
                if m > threshold { continue }
                if m == threshold && equalsLeft > 0 {
                    equalsLeft -= 1
                    continue
                }
                t[j] = 0
            }
        }
        DropMask.rescaleKept(&tau, before: before, density: density, rescale: rescale)
    }

    /// The `k`-th largest value of `values` (1-based), reordering `values`.
    ///
    /// - Complexity: O(n) expected (quickselect, median-of-three pivots), falling back to a sort of the
    ///   remaining range after 2·log₂n rounds, so O(n log n) worst case.
    static func kthLargest(_ values: inout [Float], _ k: Int) -> Float {
        precondition(k >= 1 && k <= values.count)
        let target = values.count - k            // index of the k-th largest in ascending order
        var lo = 0, hi = values.count - 1
        var rounds = 0
        let limit = 2 * (Int.bitWidth - values.count.leadingZeroBitCount) + 4
        return values.withUnsafeMutableBufferPointer { v in
            while lo < hi {
                rounds += 1
                if rounds > limit {
                    let sorted = v[lo...hi].sorted()
                    return sorted[target - lo]
                }
                let mid = lo + (hi - lo) / 2
                if v[mid] < v[lo] { v.swapAt(mid, lo) }
                if v[hi] < v[lo] { v.swapAt(hi, lo) }
                if v[hi] < v[mid] { v.swapAt(hi, mid) }
                let pivot = v[mid]
                var i = lo, j = hi
                while i <= j {
                    while v[i] < pivot { i += 1 }
                    while v[j] > pivot { j -= 1 }
                    if i <= j {
                        v.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                if target <= j { hi = j } else if target >= i { lo = i } else { return v[target] }
            }
            return v[target]
        }
    }
}
