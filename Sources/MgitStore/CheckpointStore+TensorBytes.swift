import Foundation
import MgitInterop
import MgitTensor

extension CheckpointStore {
    /// Lends `body` the stored bytes of `tensor` piece by piece, in order: the one blob, or each chunk of a
    /// chunked tensor (docs/STORAGE.md), so memory stays near one chunk.
    ///
    /// - Throws: `.corrupt` when the manifest's id is malformed, a chunk tree does not hold the chunks the
    ///   manifest promises, or the bytes add up to another length than the manifest says.
    package func forEachPiece(of tensor: CheckpointManifest.Entry, commit: String,
                      _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        func corrupt(_ fact: String) -> MgitError {
            MgitError(.corrupt, "tensor '\(tensor.name)' of \(commit.prefix(12)) is damaged: \(fact); "
                      + "run 'git fsck' and fetch the commit again")
        }
        guard let id = ObjectID(hex: tensor.blob) else { throw corrupt("its object id '\(tensor.blob)' is malformed") }
        guard let chunkBytes = tensor.chunkBytes else {
            try git.withObject(id, "tensor '\(tensor.name)'") { bytes in
                guard bytes.count == tensor.bytes else {
                    throw corrupt("the store holds \(bytes.count) bytes but the manifest says \(tensor.bytes)")
                }
                try body(bytes)
            }
            return
        }
        guard chunkBytes > 0 else { throw corrupt("its chunk size is \(chunkBytes)") }
        let expected = TensorChunking.ranges(byteCount: tensor.bytes, chunkBytes: chunkBytes)
        let entries = try git.treeEntries(id)
        guard entries.count == expected.count else {
            throw corrupt("its chunk tree has \(entries.count) entries where \(expected.count) chunks are expected")
        }
        // Names are the chunk indices; order by the number, not trusting git's name order.
        var byIndex = [ObjectID?](repeating: nil, count: expected.count)
        for entry in entries {
            guard !entry.isTree, let index = Int(entry.name), entry.name == TensorChunking.entryName(index),
                  byIndex.indices.contains(index), byIndex[index] == nil else {
                throw corrupt("its chunk tree has an entry '\(entry.name)' that is not a chunk number below \(expected.count)")
            }
            byIndex[index] = entry.id
        }
        for (index, range) in expected.enumerated() {
            try git.withObject(byIndex[index]!, "chunk \(index) of tensor '\(tensor.name)'") { bytes in
                guard bytes.count == range.count else {
                    throw corrupt("chunk \(index) has \(bytes.count) bytes where \(range.count) are expected")
                }
                try body(bytes)
            }
        }
    }

    /// The whole stored bytes of `tensor`, reassembled when chunked.
    package func tensorBytes(_ tensor: CheckpointManifest.Entry, commit: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tensor.bytes)
        try forEachPiece(of: tensor, commit: commit) { bytes.append(contentsOf: $0) }
        return bytes
    }
}
