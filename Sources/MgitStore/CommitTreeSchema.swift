import Foundation
import MgitInterop

/// What a commit's tree may hold, checked for every commit that arrives from a remote and every commit the
/// lineage database indexes (docs/SECURITY.md).
///
/// An mgit commit (its root holds `manifest.json` or `operation.json`) holds exactly: `manifest.json`,
/// `operation.json`, optionally `arch.json`, `permutations.json`, `permutation-spec.json` (regular files), and
/// `tensors/`, a flat folder of regular files whose names and blob ids are those the manifest lists. A plain git
/// commit may hold anything except a path that git or mgit give a meaning on checkout: `.mgit` (hooks and
/// config that mgit would run), `.git`, `.gitattributes` and `.gitmodules` (filters and submodule URLs), at any
/// depth and in any case, and trees nested deeper than git's own limit (`core.maxTreeDepth`, 4096).
package enum CommitTreeSchema {
    /// git's default `core.maxTreeDepth`.
    package static let maximumDepth = 4096
    /// Regular files an mgit commit may hold at its root, besides the `tensors/` folder.
    static let rootFiles: Set<String> = ["manifest.json", "operation.json", "arch.json", "permutations.json",
                                         "permutation-spec.json"]
    /// Names (lower-cased, trailing dots and spaces removed) that no commit may hold anywhere.
    static let reservedNames: Set<String> = [".mgit", ".git", ".gitattributes", ".gitmodules"]

    private static let regularFile = 0o100644

    /// What a checked commit is.
    package enum Kind: Equatable {
        /// An mgit commit, with its (validated) manifest.
        case checkpoint
        /// A plain git commit: no checkpoint, indexed as operation `git`.
        case plain
    }

    /// Checks the tree of `commit`; throws `.rejected` naming the commit and the offending path.
    @discardableResult
    package static func check(commit: ObjectID, in git: GitRepository) throws -> Kind {
        let object = try git.commit(commit)
        let root = try git.treeEntries(object.tree)
        func refuse(_ path: String, _ why: String) -> MgitError {
            MgitError(.rejected, "commit \(commit.hex.prefix(12)) holds '\(path)', \(why)")
        }
        let isCheckpoint = root.contains { $0.name == "manifest.json" || $0.name == "operation.json" }
        guard isCheckpoint else {
            try checkPlainTree(object.tree, in: git, refuse: refuse)
            return .plain
        }
        var tensorsTree: ObjectID?
        var manifestBlob: ObjectID?
        for entry in root {
            if entry.name == "tensors" {
                guard entry.isTree else { throw refuse("tensors", "which must be a folder in an mgit commit") }
                tensorsTree = entry.id
            } else if rootFiles.contains(entry.name) {
                guard entry.mode == regularFile else {
                    throw refuse(entry.name, "which must be a regular file in an mgit commit (mode \(String(entry.mode, radix: 8)))")
                }
                if entry.name == "manifest.json" { manifestBlob = entry.id }
            } else {
                throw refuse(entry.name, "which is outside what an mgit commit may hold (manifest.json, operation.json, "
                             + "arch.json, permutations.json, permutation-spec.json, tensors/)")
            }
        }
        guard let manifestBlob else { throw refuse("operation.json", "but no manifest.json") }
        let manifest = try git.withObject(manifestBlob, "the manifest of \(commit)") {
            try CheckpointManifest.decode($0, commit: commit.hex)
        }
        var expected: [String: String] = [:]
        for t in manifest.tensors { expected[String(t.path.dropFirst("tensors/".count))] = t.blob }
        let stored = try tensorsTree.map { try git.treeEntries($0) } ?? []
        for entry in stored {
            let path = "tensors/" + entry.name
            guard entry.mode == regularFile, !entry.isTree else {
                throw refuse(path, "which must be a regular file (mode \(String(entry.mode, radix: 8)))")
            }
            guard let blob = expected.removeValue(forKey: entry.name) else {
                throw refuse(path, "a file the manifest does not list")
            }
            guard blob == entry.id.hex else {
                throw refuse(path, "whose blob \(entry.id.hex.prefix(12)) differs from the manifest's \(blob.prefix(12))")
            }
        }
        if let missing = expected.keys.sorted().first {
            throw MgitError(.rejected, "commit \(commit.hex.prefix(12)) lacks 'tensors/\(missing)', which its manifest lists")
        }
        return .checkpoint
    }

    /// Walks a plain commit's tree iteratively (no recursion, so no depth can overflow the stack), refusing
    /// reserved names and trees deeper than ``maximumDepth``; each tree is read once.
    private static func checkPlainTree(_ tree: ObjectID, in git: GitRepository,
                                       refuse: (String, String) -> MgitError) throws {
        var pending: [(id: ObjectID, path: String, depth: Int)] = [(tree, "", 0)]
        var seen = Set<ObjectID>()
        while let (id, path, depth) = pending.popLast() {
            guard seen.insert(id).inserted else { continue }
            for entry in try git.treeEntries(id) {
                let entryPath = path.isEmpty ? entry.name : path + "/" + entry.name
                if isReserved(entry.name) {
                    throw refuse(entryPath, "a path git or mgit would act on after a checkout (hooks, config, "
                                 + "attributes, submodules); mgit refuses it")
                }
                guard entry.isTree else { continue }
                guard depth + 1 < maximumDepth else {
                    throw refuse(String(entryPath.prefix(80)) + "…", "a tree nested deeper than \(maximumDepth) levels")
                }
                pending.append((entry.id, entryPath, depth + 1))
            }
        }
    }

    /// Whether `name` is a reserved name as a case-insensitive file system or Windows would see it
    /// (`.MGIT`, `.git.` and `.git ` all count).
    package static func isReserved(_ name: String) -> Bool {
        var folded = name.lowercased()
        while let last = folded.last, last == "." || last == " " { folded.removeLast() }
        return reservedNames.contains(folded) || folded == "git~1"
    }
}
