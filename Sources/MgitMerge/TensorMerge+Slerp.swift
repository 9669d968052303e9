import Foundation
import MgitInterop
import MgitTensor

extension TensorMerge {
    /// The normalised dot product above which SLERP interpolates linearly instead (mergekit's `dot_threshold`).
    public static let slerpColinearThreshold = 0.9995

    /// Spherical linear interpolation of one tensor between `a` (t = 0) and `b` (t = 1) (Shoemake 1985).
    ///
    /// With d = ⟨a, b⟩ / (‖a‖·‖b‖) clamped to [−1, 1] (norms below 1e-8 taken as 1, as mergekit does) and θ = acos d:
    /// `sin((1−t)θ)/sin θ · a + sin(tθ)/sin θ · b`; when |d| > 0.9995 the pair is (anti)colinear and the result is
    /// `(1−t)·a + t·b`. The dot product and norms accumulate in double precision: a float sum over millions of
    /// elements rounds d across the threshold for nearly colinear real tensors.
    ///
    /// - Parameters: `a`, `b`: `n` elements each.
    /// - Returns: `n` elements.
    static func slerp(_ a: [Float], _ b: [Float], t: Double) -> [Float] {
        let n = a.count
        let (ca, cb) = slerpCoefficients(a, b, t: t)
        var out = a
        out.withUnsafeMutableBufferPointer { o in
            VectorBLAS.scale(n, Float(ca), o.baseAddress!)
            b.withUnsafeBufferPointer { VectorBLAS.axpy(n, Float(cb), $0.baseAddress!, o.baseAddress!) }
        }
        return out
    }

    /// The coefficients (of `a`, of `b`) SLERP uses for this pair, and whether it fell back to linear.
    static func slerpCoefficients(_ a: [Float], _ b: [Float], t: Double) -> (Double, Double) {
        let n = a.count
        let (aa, bb, ab) = a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                (VectorBLAS.dot(n, pa.baseAddress!, pa.baseAddress!),
                 VectorBLAS.dot(n, pb.baseAddress!, pb.baseAddress!),
                 VectorBLAS.dot(n, pa.baseAddress!, pb.baseAddress!))
            }
        }
        var na = aa.squareRoot(), nb = bb.squareRoot()
        if !(na > 1e-8) { na = 1 }
        if !(nb > 1e-8) { nb = 1 }
        let d = min(1, max(-1, ab / (na * nb)))
        if abs(d) > slerpColinearThreshold { return (1 - t, t) }
        let theta = acos(d), s = sin(theta)
        return (sin((1 - t) * theta) / s, sin(t * theta) / s)
    }
}
