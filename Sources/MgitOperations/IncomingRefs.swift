import Foundation
import MgitInterop
import MgitStore
import MgitLineage

/// The references a fetch received, as the remote stores them (tags unpeeled), before any of them moves a
/// ref here: ``Repository/vet(_:remote:)`` checks them and everything new they reach first.
struct IncomingRefs {
    /// `refs/heads/<name>` on the remote → its commit.
    var heads: [(name: String, target: ObjectID)]
    /// `refs/tags/<name>` on the remote → its object (an annotated tag's tag object).
    var tags: [(name: String, target: ObjectID)]
    /// The remote's `refs/notes/mgit-metrics`.
    var notes: ObjectID?
}

extension Repository {
    /// Refuses the whole fetch, with one message naming the ref or commit and what is wrong, when a branch
    /// names something other than a commit, the metrics notes are not a commit, or a commit not seen here
    /// before breaks ``CommitTreeSchema``. Nothing has moved when this throws: the objects received stay
    /// unreferenced (git's `gc` removes them).
    func vet(_ incoming: IncomingRefs, remote: String) throws {
        func refuse(_ what: String) -> MgitError {
            MgitError(.rejected, "refusing what remote '\(remote)' sent: \(what); nothing was fetched "
                      + "(no reference here moved)")
        }
        var tips: [ObjectID] = []
        for head in incoming.heads {
            guard git.objectKind(head.target) == .commit else {
                throw refuse("branch '\(head.name.dropFirst("refs/heads/".count))' points to \(head.target.hex.prefix(12)), "
                             + "which is not a commit")
            }
            tips.append(head.target)
        }
        for tag in incoming.tags {
            // Follow a chain of annotated tags (bounded, like git's peel) to what it finally names.
            var target = tag.target
            for _ in 0..<64 where git.objectKind(target) == .tag {
                guard let next = try tagTarget(target) else { break }
                target = next
            }
            switch git.objectKind(target) {
            case .commit: tips.append(target)
            case .tree, .blob: continue   // git allows tags of trees and blobs; they hold no checkpoint
            default: throw refuse("tag '\(tag.name.dropFirst("refs/tags/".count))' names no object this repository can read")
            }
        }
        if let notes = incoming.notes, git.objectKind(notes) != .commit {
            throw refuse("'\(Self.metricsNotesRef)' points to \(notes.hex.prefix(12)), which is not a commit")
        }
        // Every commit not indexed here yet: the lineage database holds every commit reachable from a ref.
        var pending = Array(Set(tips))
        var known = try lineage.knownCommits(pending.map(\.hex))
        var seen = Set<ObjectID>()
        while let next = pending.popLast() {
            guard !known.contains(next.hex), seen.insert(next).inserted else { continue }
            do {
                try CommitTreeSchema.check(commit: next, in: git)
            } catch let error as MgitError where error.code == .rejected || error.code == .corrupt {
                throw refuse(error.message)
            }
            let parents = try git.commit(next).parents
            known.formUnion(try lineage.knownCommits(parents.map(\.hex)))
            pending += parents
        }
    }

    /// The object an annotated tag names, from its `object <hex>` header line.
    private func tagTarget(_ tag: ObjectID) throws -> ObjectID? {
        let raw = try git.rawObject(tag)
        guard let line = String(decoding: raw.bytes.prefix(64), as: UTF8.self).split(separator: "\n").first,
              line.hasPrefix("object ") else { return nil }
        return ObjectID(hex: String(line.dropFirst(7)))
    }
}
