import Foundation
import MgitInterop

/// Copies the objects one repository on this machine lacks from another: mgit's fast path for local and
/// `file://` remotes, in place of libgit2's packbuilder (which deflates every blob at zlib's default level).
///
/// The walk follows git's own rule for what the other side has: a commit the destination holds is taken to
/// come with its whole history, and a tree with everything under it, because every writer (mgit's commit,
/// this copy, git itself) stores an object only after everything it points to. Blobs go into one new pack
/// written by ``PackWriter`` (stored deflate blocks); trees, commits and tags follow as loose objects,
/// children before parents, so a crash at any moment leaves only unreferenced objects behind. No reference
/// moves here: the caller moves them afterwards with compare-and-swap.
package struct ObjectTransfer {
    package let source: GitRepository
    package let destination: GitRepository

    /// What a copy moved.
    package struct Outcome {
        package var objects = 0
        package var bytes = 0
        package var seconds = 0.0
    }

    /// Copies every object reachable from `tips` that the destination lacks.
    package func copy(reachableFrom tips: [ObjectID], observer: TransferObserver?) throws -> Outcome {
        let start = Date()
        var blobs: [ObjectID] = []
        var others: [ObjectID] = []   // trees, commits and tags in the order they may be written
        try collect(tips, blobs: &blobs, others: &others)
        var outcome = Outcome()
        let total = blobs.count + others.count
        var lastReport = Date.distantPast
        func report(force: Bool = false) {
            guard let observer, force || Date().timeIntervalSince(lastReport) >= 0.2 else { return }
            lastReport = Date()
            observer(TransferProgress(objects: outcome.objects, totalObjects: total, bytes: outcome.bytes,
                                      seconds: Date().timeIntervalSince(start)))
        }

        if !blobs.isEmpty {
            let writer = try PackWriter(objectsDirectory: destination.gitDirectory + "objects")
            for id in blobs {
                try withoutReadVerification { try source.withObject(id, "blob \(id)") { bytes in
                    let written = try writer.addBlob(bytes)
                    // The writer hashes every byte it stores: a damaged source object cannot slip through.
                    guard written.hex == id.hex else {
                        throw MgitError(.corrupt, "object \(id) in '\(source.gitDirectory)' is damaged (its bytes hash to "
                                        + "\(written.hex)); nothing was sent. Run 'git fsck' there")
                    }
                    outcome.bytes += bytes.count
                } }
                outcome.objects += 1
                report()
            }
            _ = try writer.finish()
            try destination.refreshObjects()
        }
        for id in others {
            let object = try source.rawObject(id)
            let written = try destination.writeRawObject(object.kind, object.bytes)
            guard written == id else {
                throw MgitError(.corrupt, "object \(id) in '\(source.gitDirectory)' is damaged; nothing was sent")
            }
            outcome.objects += 1
            outcome.bytes += object.bytes.count
            report()
        }
        report(force: true)
        outcome.seconds = Date().timeIntervalSince(start)
        return outcome
    }

    /// Lists the missing objects: blobs, then the rest with every object after the ones it points to.
    ///
    /// Iterative throughout, with git's tree depth limit, so that no history, tag chain or tree nesting
    /// from a remote can overflow the stack.
    private func collect(_ tips: [ObjectID], blobs: inout [ObjectID], others: inout [ObjectID]) throws {
        var seen = Set<ObjectID>()
        var commits: [ObjectID] = []
        var trees: [ObjectID] = []
        var tags: [ObjectID] = []   // discovery order: a tag before the tag or object it points to
        var pending = tips
        while let id = pending.popLast() {
            guard !seen.contains(id), !destination.contains(id) else { continue }
            seen.insert(id)
            switch source.objectKind(id) {
            case .commit:
                commits.append(id)
                pending += try source.commit(id).parents
            case .tag:
                // An annotated tag: its target (a commit, tree, blob or another tag) first.
                let raw = try source.rawObject(id)
                guard let line = String(decoding: raw.bytes.prefix(64), as: UTF8.self).split(separator: "\n").first,
                      line.hasPrefix("object "), let target = ObjectID(hex: String(line.dropFirst(7))) else {
                    throw MgitError(.corrupt, "tag object \(id) in '\(source.gitDirectory)' names no target; nothing was copied")
                }
                tags.append(id)
                pending.append(target)
            case .tree:
                trees.append(id)
                seen.remove(id)   // collectTree marks it
            case .blob:
                blobs.append(id)
            case nil:
                throw MgitError(.corrupt, "object \(id) is missing from '\(source.gitDirectory)'; run 'git fsck' there")
            }
        }
        // Parents before children: the reverse of discovery order is not enough across merges, so sort by depth.
        let order = try topologicalOrder(commits)
        for tree in trees { try collectTree(tree, seen: &seen, blobs: &blobs, others: &others) }
        for commit in order {
            try collectTree(try source.commit(commit).tree, seen: &seen, blobs: &blobs, others: &others)
        }
        others += order
        others += tags.reversed()
    }

    /// Lists a tree's missing objects, subtrees before the trees that hold them, refusing nesting deeper
    /// than git's `core.maxTreeDepth` (``CommitTreeSchema/maximumDepth``).
    private func collectTree(_ root: ObjectID, seen: inout Set<ObjectID>, blobs: inout [ObjectID], others: inout [ObjectID]) throws {
        guard !seen.contains(root), !destination.contains(root) else { return }
        seen.insert(root)
        // (tree, depth, expanded): a tree is appended to `others` after everything under it.
        var stack: [(id: ObjectID, depth: Int, expanded: Bool)] = [(root, 0, false)]
        while let (tree, depth, expanded) = stack.popLast() {
            if expanded { others.append(tree); continue }
            stack.append((tree, depth, true))
            for entry in try source.treeEntries(tree) {
                guard !seen.contains(entry.id), !destination.contains(entry.id) else { continue }
                seen.insert(entry.id)
                if entry.isTree {
                    guard depth + 1 < CommitTreeSchema.maximumDepth else {
                        throw MgitError(.rejected, "tree \(root) in '\(source.gitDirectory)' is nested deeper than "
                                        + "\(CommitTreeSchema.maximumDepth) levels (git's limit)")
                    }
                    stack.append((entry.id, depth + 1, false))
                    continue
                }
                switch source.objectKind(entry.id) {
                case .blob: blobs.append(entry.id)
                case nil: throw MgitError(.corrupt, "object \(entry.id) is missing from '\(source.gitDirectory)'; run 'git fsck' there")
                default: continue   // a submodule link names a commit of another repository
                }
            }
        }
    }

    /// `commits` ordered so that every commit comes after those of its parents that are in the list.
    private func topologicalOrder(_ commits: [ObjectID]) throws -> [ObjectID] {
        let members = Set(commits)
        var parents: [ObjectID: [ObjectID]] = [:]
        for c in commits { parents[c] = try source.commit(c).parents.filter { members.contains($0) } }
        var done = Set<ObjectID>()
        var out: [ObjectID] = []
        for root in commits {
            var stack: [(ObjectID, Bool)] = [(root, false)]
            while let (c, expanded) = stack.popLast() {
                if done.contains(c) { continue }
                if expanded { done.insert(c); out.append(c); continue }
                stack.append((c, true))
                for p in parents[c] ?? [] where !done.contains(p) { stack.append((p, false)) }
            }
        }
        return out
    }

    /// The memberwise initializer, for the modules above this one.
    package init(source: GitRepository, destination: GitRepository) {
        self.source = source
        self.destination = destination
    }
}
