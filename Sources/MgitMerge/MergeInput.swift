import MgitInterop
import MgitTensor

/// A model a method merge reads tensor by tensor: a memory-mapped safetensors file or a checkpoint in memory.
///
/// The merge lends each tensor's bytes for as long as it needs them and then says so, so memory stays near a few
/// tensors whatever the model's size.
public protocol MergeInput {
    /// Name, dtype and shape of every tensor, in the order of their data.
    var tensorEntries: [TensorEntry] { get }
    /// Lends the raw bytes of the tensor called `name`.
    ///
    /// - Throws: `.notFound` when the model has no such tensor.
    func withTensorBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R
    /// Says the tensor called `name` will not be read again.
    func releaseTensor(_ name: String)
}

extension SafeTensorsReader: MergeInput {
    public var tensorEntries: [TensorEntry] { entries }

    public func withTensorBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let i = index(of: name) else {
            throw MgitError(.notFound, "tensor '\(name)' is not in \(path)")
        }
        return try withBytes(of: i, body)
    }

    public func releaseTensor(_ name: String) {
        if let i = index(of: name) { releasePages(of: i) }
    }
}

extension Checkpoint: MergeInput {
    public var tensorEntries: [TensorEntry] { namedTensors.map { TensorEntry(name: $0.name, tensor: $0.tensor) } }

    public func withTensorBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let t = self[name] else { throw MgitError(.notFound, "tensor '\(name)' is not in the checkpoint") }
        return try t.bytes.withUnsafeBytes(body)
    }

    public func releaseTensor(_ name: String) {}
}
