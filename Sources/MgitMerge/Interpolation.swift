import MgitInterop
import MgitTensor
/// Straight-line paths between two checkpoints of one architecture: θ(λ) = (1−λ)·θ_A + λ·θ_B.
public enum Interpolation {
    /// Checks that `a` and `b` hold the same tensor names, dtypes and shapes.
    ///
    /// - Throws: `.mismatch` naming the first tensor that differs.
    public static func checkCompatible(_ a: Checkpoint, _ b: Checkpoint, names: (String, String) = ("A", "B")) throws {
        let onlyA = Set(a.names).subtracting(b.names).sorted()
        let onlyB = Set(b.names).subtracting(a.names).sorted()
        if let first = onlyA.first {
            throw MgitError(.mismatch, "tensor '\(first)' is in \(names.0) but not in \(names.1)"
                            + (onlyA.count > 1 ? " (and \(onlyA.count - 1) more)" : "") + ": the models have different architectures")
        }
        if let first = onlyB.first {
            throw MgitError(.mismatch, "tensor '\(first)' is in \(names.1) but not in \(names.0)"
                            + (onlyB.count > 1 ? " (and \(onlyB.count - 1) more)" : "") + ": the models have different architectures")
        }
        for name in a.names {
            let x = a[name]!, y = b[name]!
            if x.shape != y.shape {
                throw MgitError(.mismatch, "tensor '\(name)' has shape \(x.shape) in \(names.0) but \(y.shape) in \(names.1)")
            }
            if x.dtype != y.dtype {
                throw MgitError(.mismatch, "tensor '\(name)' is \(x.dtype.rawValue) in \(names.0) but \(y.dtype.rawValue) in \(names.1)")
            }
        }
    }

    /// θ(λ) = (1−λ)·θ_A + λ·θ_B for every floating tensor, computed in Float and stored in the tensor's dtype;
    /// tensors that are not floating point (integer buffers, step counters) come from `a`.
    ///
    /// The endpoints are exact: λ = 0 returns `a`'s bytes and λ = 1 returns `b`'s floating tensors' bytes.
    public static func interpolate(_ a: Checkpoint, _ b: Checkpoint, lambda: Double) throws -> Checkpoint {
        try checkCompatible(a, b)
        if lambda == 0 { return a }
        var out = Checkpoint(metadata: a.metadata)
        let wa = Float(1 - lambda), wb = Float(lambda)
        for name in a.names {
            let x = a[name]!, y = b[name]!
            guard x.dtype.isFloatingPoint else {
                out[name] = x
                continue
            }
            if lambda == 1 {
                out[name] = y
                continue
            }
            let u = x.floats(), v = y.floats()
            var mixed = [Float](repeating: 0, count: u.count)
            for i in 0..<u.count { mixed[i] = wa * u[i] + wb * v[i] }
            out[name] = Tensor(shape: x.shape, floats: mixed, dtype: x.dtype)
        }
        return out
    }
}
