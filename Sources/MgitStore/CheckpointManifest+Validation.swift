import Foundation
import MgitInterop
import MgitTensor

/// A manifest comes from git, and so from any remote: it is checked completely, once, when it is decoded
/// (``CheckpointManifest/decode(_:commit:)``), so that no later arithmetic on its sizes can overflow and no
/// later lookup of its blob ids can fail to parse (docs/SECURITY.md).
extension CheckpointManifest {
    /// The checks on one tensor's name, shared by import (``TensorNameRule``) and fetched manifests.
    package enum TensorNameRule {
        /// Why `name` cannot be stored, or nil when it can.
        ///
        /// A NUL cannot be held losslessly by the lineage database (SQLite's text functions stop at it) nor by
        /// most tools that print names, so it is refused at import rather than cut silently.
        package static func problem(_ name: String) -> String? {
            if name.utf8.contains(0) { return "contains a NUL character, which mgit cannot store" }
            if name == "__metadata__" { return "is reserved by the safetensors format" }
            return nil
        }
    }

    /// Throws `.corrupt` naming the commit and tensor when the manifest breaks one of its invariants:
    /// non-negative dimensions whose product times the element size fits `Int` and equals `bytes`; a blob id of
    /// 40 hex digits; the path `tensors/<encoded name>`; names unique and storable; and a total byte count
    /// and element count that fit `Int`.
    package func validate(commit: String) throws {
        func corrupt(_ what: String) -> MgitError {
            MgitError(.corrupt, "the manifest of commit \(commit.prefix(12)) is not valid: \(what); "
                      + "it was not written by mgit (fetch it from elsewhere, or delete the ref that reaches it)")
        }
        guard format >= 1 else { throw corrupt("format \(format) is not a manifest format") }
        var names = Set<String>()
        var totalBytes = 0
        var totalElements = 0
        for (i, t) in tensors.enumerated() {
            let label = "tensor \(i) ('\(t.name.debugDescription.dropFirst().dropLast())')"
            if let problem = TensorNameRule.problem(t.name) { throw corrupt("\(label) \(problem)") }
            guard names.insert(t.name).inserted else { throw corrupt("\(label) is listed twice") }
            guard t.shape.allSatisfy({ $0 >= 0 }) else { throw corrupt("\(label) has a negative dimension in \(t.shape)") }
            guard let bytes = TensorEntry.byteCount(dtype: t.dtype, shape: t.shape) else {
                throw corrupt("\(label) of shape \(t.shape) has more elements than a 64-bit count can hold")
            }
            guard bytes == t.bytes else {
                throw corrupt("\(label) of shape \(t.shape) and dtype \(t.dtype.rawValue) needs \(bytes) bytes "
                              + "but the manifest says \(t.bytes)")
            }
            guard ObjectID(hex: t.blob) != nil else { throw corrupt("\(label) has the blob id '\(t.blob)', not 40 hex digits") }
            let expectedPath = "tensors/" + TensorPath.encode(t.name)
            guard t.path == expectedPath else { throw corrupt("\(label) has the path '\(t.path)', expected '\(expectedPath)'") }
            let (sum, overflow) = totalBytes.addingReportingOverflow(bytes)
            let (elements, overflowElements) = totalElements.addingReportingOverflow(bytes / t.dtype.size)
            guard !overflow, !overflowElements else { throw corrupt("the tensors hold more bytes than a 64-bit count can hold") }
            totalBytes = sum
            totalElements = elements
        }
        if let key = metadata.keys.first(where: { $0.utf8.contains(0) }) {
            throw corrupt("the metadata key '\(key.debugDescription.dropFirst().dropLast())' contains a NUL character")
        }
    }
}

extension CheckpointManifest.Entry {
    /// The blob id; a manifest that passed ``CheckpointManifest/validate(commit:)`` always has one.
    package var blobID: ObjectID {
        get throws {
            guard let id = ObjectID(hex: blob) else {
                throw MgitError(.corrupt, "tensor '\(name)' names the blob '\(blob)', which is not 40 hex digits")
            }
            return id
        }
    }
}
