import MgitInterop
import MgitTensor
/// Reads a network's parameters out of a checkpoint by name, checking shapes and remembering what was used.
///
/// Every failure names the tensor and says what the architecture expected, so a wrong `--arch` or a
/// checkpoint of another network is reported as such rather than as a crash.
package struct ParameterReader {
    package let checkpoint: Checkpoint
    /// Describes the architecture in messages, e.g. `resnet20 (width 2, batchnorm)`.
    package let architecture: String
    private(set) var used: Set<String> = []

    package init(_ checkpoint: Checkpoint, architecture: String) {
        self.checkpoint = checkpoint
        self.architecture = architecture
    }

    /// Whether the checkpoint has a tensor called `name`.
    package func contains(_ name: String) -> Bool { checkpoint[name] != nil }

    /// The tensor `name`, which must exist and be floating point or integer.
    package mutating func tensor(_ name: String) throws -> Tensor {
        guard let tensor = checkpoint[name] else {
            throw MgitError(.mismatch, "the checkpoint has no tensor '\(name)', which \(architecture) needs; "
                                + "check the architecture description (docs/ARCHITECTURES.md)")
        }
        guard tensor.dtype.isFloatingPoint else {
            throw MgitError(.mismatch, "tensor '\(name)' has dtype \(tensor.dtype.rawValue); \(architecture) "
                                + "needs a floating-point type (F32, F64, F16 or BF16)")
        }
        used.insert(name)
        return tensor
    }

    /// The values of tensor `name`, which must have exactly `shape`.
    package mutating func floats(_ name: String, shape: [Int]) throws -> [Float] {
        let t = try tensor(name)
        guard t.shape == shape else {
            throw MgitError(.mismatch, "tensor '\(name)' has shape \(t.shape) but \(architecture) needs \(shape)")
        }
        return t.floats()
    }

    /// Fails if the checkpoint holds tensors the architecture does not use (except BatchNorm's
    /// `num_batches_tracked` counters, which PyTorch saves and inference ignores).
    package func checkAllUsed() throws {
        let extra = checkpoint.names.filter { !used.contains($0) && !$0.hasSuffix(".num_batches_tracked") }
        guard extra.isEmpty else {
            let shown = extra.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
            let more = extra.count > 3 ? " and \(extra.count - 3) more" : ""
            throw MgitError(.mismatch, "the checkpoint has tensors that \(architecture) does not use: \(shown)\(more); "
                                + "check the architecture description (docs/ARCHITECTURES.md)")
        }
    }
}
