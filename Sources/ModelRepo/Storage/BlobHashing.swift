import Dispatch

/// Computes the git blob ids of a source's tensors on every core.
enum BlobHashing {
    static func ids(of source: any TensorSource) throws -> [GitOID] {
        let count = source.tensorCount
        var ids = [GitOID?](repeating: nil, count: count)
        // Safe: each iteration writes only its own slot, and `source` is only read (mapped or immutable memory).
        nonisolated(unsafe) let sourceRef = source
        ids.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let out = slots
            DispatchQueue.concurrentPerform(iterations: count) { i in
                out[i] = sourceRef.withBytes(of: i) { GitOID(hex: ObjectID.blobID(of: $0).hex)! }
                sourceRef.releasePages(of: i)
            }
        }
        return ids.map { $0! }
    }
}
