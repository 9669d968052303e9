import MgitTensor
/// Where the tensors of a commit come from: a memory-mapped safetensors file, or a checkpoint in memory.
///
/// Commit reads one tensor at a time through ``withBytes(of:_:)``, so memory stays bounded by one tensor.
package protocol TensorSource {
    var tensorCount: Int { get }
    var metadata: [String: String] { get }
    /// Name, dtype and shape of tensor `index`.
    func describe(_ index: Int) -> (name: String, dtype: DType, shape: [Int])
    /// Lends tensor `index`'s raw bytes.
    func withBytes<R>(of index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
    /// Says tensor `index` will not be read again soon, so its memory may be released.
    func releasePages(of index: Int)
}

extension Checkpoint: TensorSource {
    package var tensorCount: Int { names.count }

    package func describe(_ index: Int) -> (name: String, dtype: DType, shape: [Int]) {
        let t = self[names[index]]!
        return (names[index], t.dtype, t.shape)
    }

    package func withBytes<R>(of index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try self[names[index]]!.bytes.withUnsafeBytes(body)
    }

    package func releasePages(of index: Int) {}
}

extension SafeTensorsReader: TensorSource {
    package var tensorCount: Int { entries.count }

    package func describe(_ index: Int) -> (name: String, dtype: DType, shape: [Int]) {
        (entries[index].name, entries[index].dtype, entries[index].shape)
    }
}
