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
        var diff = CheckpointDiff(a: idA, b: idB, changes: changes, added: count(.added), removed: count(.removed),
                                  changed: count(.changed), unchanged: count(.unchanged),
                                  bytesChanged: bytesChanged, bytesTotal: b.byteCount)
        diff.files = try fileChanges(a.files ?? [], b.files ?? [])
        return diff
    }

    /// The model folder files that differ between two manifests, with a line diff for text.
    func fileChanges(_ a: [ModelFile], _ b: [ModelFile]) throws -> [CheckpointDiff.FileChange] {
        let byPathA = Dictionary(a.map { ($0.path, $0) }, uniquingKeysWith: { x, _ in x })
        let byPathB = Dictionary(b.map { ($0.path, $0) }, uniquingKeysWith: { x, _ in x })
        func bytes(_ file: ModelFile) throws -> [UInt8] {
            guard let id = ObjectID(hex: file.blob) else {
                throw MgitError(.corrupt, "file '\(file.path)' has a malformed blob id in its manifest")
            }
            return try git.withObject(id, "file '\(file.path)'") { Array($0) }
        }
        var out: [CheckpointDiff.FileChange] = []
        for path in Set(byPathA.keys).union(byPathB.keys).sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            switch (byPathA[path], byPathB[path]) {
            case let (x?, y?) where x.blob != y.blob:
                // Text diffs for files up to 1 MiB; a tokenizer's megabytes of JSON would only flood the screen.
                let text = x.bytes <= 1 << 20 && y.bytes <= 1 << 20 ? TextDiff.unified(try bytes(x), try bytes(y)) : nil
                out.append(.init(path: path, kind: .changed, bytesA: x.bytes, bytesB: y.bytes, textDiff: text))
            case let (x?, nil): out.append(.init(path: path, kind: .removed, bytesA: x.bytes))
            case let (nil, y?): out.append(.init(path: path, kind: .added, bytesB: y.bytes))
            default: break
            }
        }
        return out
    }

    package func loadTensor(_ entry: CheckpointManifest.Entry) throws -> Tensor {
        let bytes = try tensorBytes(entry, commit: "the compared commit")
        return Tensor(dtype: entry.dtype, shape: entry.shape, bytes: bytes)
    }
}
