import MgitInterop
import MgitTensor
extension CheckpointStore {
    /// Compares the checkpoints at two revisions tensor by tensor; at most two tensors are in memory at once.
    public func diff(_ revisionA: String, _ revisionB: String) throws -> CheckpointDiff {
        let (idA, a) = try manifest(at: revisionA)
        let (idB, b) = try manifest(at: revisionB)
        let byNameB = Dictionary(b.tensors.map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
        let namesA = Set(a.tensors.map(\.name))
        var changes: [CheckpointDiff.Change] = []
        for ta in a.tensors {
            guard let tb = byNameB[ta.name] else {
                changes.append(.init(name: ta.name, kind: .removed, dtype: ta.dtype.rawValue, shapeA: ta.shape))
                continue
            }
            if ta.blob == tb.blob && ta.dtype == tb.dtype && ta.shape == tb.shape {
                changes.append(.init(name: ta.name, kind: .unchanged, dtype: ta.dtype.rawValue, shapeA: ta.shape, shapeB: tb.shape))
                continue
            }
            var change = CheckpointDiff.Change(name: ta.name, kind: .changed,
                                               dtype: ta.dtype == tb.dtype ? ta.dtype.rawValue : "\(ta.dtype.rawValue)→\(tb.dtype.rawValue)",
                                               shapeA: ta.shape, shapeB: tb.shape)
            if ta.shape == tb.shape && ta.dtype.isFloatingPoint && tb.dtype.isFloatingPoint {
                let x = try loadTensor(ta), y = try loadTensor(tb)
                var stats = DifferenceStatistics()
                stats.add(x.doubles(), y.doubles())
                change.relativeL2 = stats.relativeL2
                change.cosine = stats.cosine
                change.maxAbsDiff = stats.maxAbs
            }
            changes.append(change)
        }
        for tb in b.tensors where !namesA.contains(tb.name) {
            changes.append(.init(name: tb.name, kind: .added, dtype: tb.dtype.rawValue, shapeB: tb.shape))
        }
        func count(_ k: CheckpointDiff.Change.Kind) -> Int { changes.filter { $0.kind == k }.count }
        let bytesChanged = changes.filter { $0.kind == .added || $0.kind == .changed }.reduce(0) { $0 + (byNameB[$1.name]?.bytes ?? 0) }
        return CheckpointDiff(a: idA, b: idB, changes: changes, added: count(.added), removed: count(.removed),
                              changed: count(.changed), unchanged: count(.unchanged),
                              bytesChanged: bytesChanged, bytesTotal: b.byteCount)
    }

    package func loadTensor(_ entry: CheckpointManifest.Entry) throws -> Tensor {
        let bytes = try git.withObject(try entry.blobID, "tensor '\(entry.name)'") { Array($0) }
        guard bytes.count == entry.bytes else {
            throw MgitError(.corrupt, "tensor '\(entry.name)' has \(bytes.count) bytes in the store but its manifest says \(entry.bytes)")
        }
        return Tensor(dtype: entry.dtype, shape: entry.shape, bytes: bytes)
    }
}
