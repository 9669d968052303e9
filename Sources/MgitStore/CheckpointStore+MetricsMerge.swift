import Foundation
import MgitInterop

extension CheckpointStore {
    /// Brings the metrics notes fetched into `trackingRef` into the local notes ref (`refs/notes/mgit-metrics`).
    ///
    /// Fast-forwards when one history contains the other. When both sides added metrics, writes a notes merge
    /// commit (parents: ours, theirs) whose note on each commit holds the union of both sides' metrics, ours
    /// first, a metric present on both sides once. Notes never conflict this way: metrics are only ever
    /// added. Retries a few times when another process moves the local notes meanwhile.
    ///
    /// - Returns: true when the local notes changed.
    package func mergeMetricsNotes(from trackingRef: String, remote: String) throws -> Bool {
        guard let theirs = try git.referenceTarget(trackingRef) else { return false }
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try mergeMetricsNotesOnce(theirs: theirs, remote: remote)
            } catch let error as MgitError where error.code == .busy && attempt < 5 {
                SystemCall.pause(Double.random(in: 0.020...0.100))
            }
        }
    }

    private func mergeMetricsNotesOnce(theirs: ObjectID, remote: String) throws -> Bool {
        let ours = try git.referenceTarget(Self.metricsNotesRef)
        guard let ours else {
            try git.updateReference(Self.metricsNotesRef, to: theirs, expected: nil, logMessage: "mgit: metrics from \(remote)")
            return true
        }
        if try ours == theirs || git.isDescendant(ours, of: theirs) { return false }
        if try git.isDescendant(theirs, of: ours) {
            try git.updateReference(Self.metricsNotesRef, to: theirs, expected: ours,
                                    logMessage: "mgit: metrics from \(remote) (fast-forward)")
            return true
        }
        let ourNotes = try git.notes(in: ours)
        let theirNotes = try git.notes(in: theirs)
        var entries: [GitRepository.TreeEntry] = []
        for commit in Set(ourNotes.keys).union(theirNotes.keys) {
            let blob: ObjectID
            switch (ourNotes[commit], theirNotes[commit]) {
            case let (a?, b?) where a == b: blob = a
            case let (a?, b?):
                let mine = try decodeNote(a, commit: commit)
                let other = try decodeNote(b, commit: commit)
                blob = try git.writeBlob(Array(try MetricsNote.union(mine, other).encoded().utf8))
            case let (a?, nil): blob = a
            case let (nil, b?): blob = b
            case (nil, nil): continue
            }
            entries.append(.init(name: commit.hex, id: blob, isTree: false))
        }
        let tree = try git.writeTree(entries)
        let person = git.defaultPerson()
        let merge = try git.writeCommit(tree: tree, parents: [ours, theirs],
                                        message: "Merge metrics from '\(remote)'\n",
                                        author: person, committer: person)
        try git.updateReference(Self.metricsNotesRef, to: merge, expected: ours, logMessage: "mgit: merge metrics from \(remote)")
        return true
    }

    private func decodeNote(_ blob: ObjectID, commit: ObjectID) throws -> MetricsNote {
        let text = try git.withObject(blob, "the metrics note on \(commit)") { String(decoding: $0, as: UTF8.self) }
        return try MetricsNote.decode(text, commit: commit.hex)
    }
}

extension MetricsNote {
    /// Both notes' metrics: `a`'s in order, then those of `b` that `a` does not hold.
    package static func union(_ a: MetricsNote, _ b: MetricsNote) -> MetricsNote {
        var merged = a.metrics
        for m in b.metrics where !merged.contains(m) { merged.append(m) }
        return MetricsNote(metrics: merged)
    }
}
