import Foundation
import MgitInterop

/// A branch and where it points.
public struct BranchInfo: Codable, Sendable, Equatable {
    public var name: String
    /// nil for the current branch before its first commit.
    public var commit: String?
    public var current: Bool

    /// The memberwise initializer, for the modules above this one.
    package init(name: String, commit: String? = nil, current: Bool) {
        self.name = name
        self.commit = commit
        self.current = current
    }
}

/// A tag and the commit it names.
public struct TagInfo: Codable, Sendable, Equatable {
    public var name: String
    public var commit: String

    /// The memberwise initializer, for the modules above this one.
    package init(name: String, commit: String) {
        self.name = name
        self.commit = commit
    }
}

extension CheckpointStore {
    public func branches() throws -> [BranchInfo] {
        let head = try git.headReferenceName()
        var out = try git.references(matching: "refs/heads/*").map {
            BranchInfo(name: String($0.name.dropFirst("refs/heads/".count)), commit: $0.target.hex, current: $0.name == head)
        }
        if let head, head.hasPrefix("refs/heads/"), !out.contains(where: { $0.current }) {
            out.append(BranchInfo(name: String(head.dropFirst("refs/heads/".count)), commit: nil, current: true))
        }
        return out.sorted { $0.name < $1.name }
    }

    /// Creates branch `name` at `start` (default HEAD).
    @discardableResult
    public func createBranch(_ name: String, at start: String? = nil) throws -> BranchInfo {
        let ref = try checkedName(name, kind: "branch", prefix: "refs/heads/")
        try requireWritable("create branch '\(name)'")
        guard try git.referenceTarget(ref) == nil else {
            throw MgitError(.alreadyExists, "branch '\(name)' already exists; pick another name or delete it with 'mgit branch -d \(name)'")
        }
        let target = try git.resolveCommit(start ?? "HEAD")
        try git.updateReference(ref, to: target, expected: nil, logMessage: "mgit branch: created from \(start ?? "HEAD")")
        return BranchInfo(name: name, commit: target.hex, current: false)
    }

    /// Deletes branch `name`; the current branch cannot be deleted.
    public func deleteBranch(_ name: String) throws -> BranchInfo {
        let ref = "refs/heads/" + name
        guard let target = try git.referenceTarget(ref) else {
            throw MgitError(.notFound, "no branch '\(name)' (see 'mgit branch')")
        }
        if try git.headReferenceName() == ref {
            throw MgitError(.invalidInput, "cannot delete branch '\(name)': it is the current branch; 'mgit switch' to another first")
        }
        try requireWritable("delete branch '\(name)'")
        try git.deleteReference(ref)
        return BranchInfo(name: name, commit: target.hex, current: false)
    }

    /// Makes `name` the current branch (HEAD); mgit keeps no files in the working folder, so nothing else moves.
    public func switchBranch(_ name: String) throws -> BranchInfo {
        let ref = "refs/heads/" + name
        guard let target = try git.referenceTarget(ref) else {
            throw MgitError(.notFound, "no branch '\(name)' (see 'mgit branch'; create one with 'mgit branch \(name)')")
        }
        try requireWritable("switch branches")
        try git.setHead(ref)
        try git.resetIndex(to: try git.commit(target).tree)
        return BranchInfo(name: name, commit: target.hex, current: true)
    }

    /// Creates a lightweight tag `name` at `revision` (default HEAD).
    @discardableResult
    public func createTag(_ name: String, at revision: String? = nil) throws -> TagInfo {
        let ref = try checkedName(name, kind: "tag", prefix: "refs/tags/")
        try requireWritable("create tag '\(name)'")
        guard try git.referenceTarget(ref) == nil else {
            throw MgitError(.alreadyExists, "tag '\(name)' already exists")
        }
        let target = try git.resolveCommit(revision ?? "HEAD")
        try git.updateReference(ref, to: target, expected: nil, logMessage: "mgit tag")
        return TagInfo(name: name, commit: target.hex)
    }

    public func tags() throws -> [TagInfo] {
        try git.references(matching: "refs/tags/*").map {
            TagInfo(name: String($0.name.dropFirst("refs/tags/".count)), commit: $0.target.hex)
        }
    }

    /// The full commit id a revision names.
    public func resolve(_ revision: String) throws -> String { try git.resolveCommit(revision).hex }

    /// Names git gives a meaning in revisions (`HEAD`, `@` for HEAD, `FETCH_HEAD`, ...): git refuses `HEAD` as a
    /// branch name, and a branch called `@` would make `@` mean two things.
    static let reservedRefNames: Set<String> = ["HEAD", "@", "FETCH_HEAD", "ORIG_HEAD", "MERGE_HEAD", "CHERRY_PICK_HEAD"]

    private func checkedName(_ name: String, kind: String, prefix: String) throws -> String {
        let ref = prefix + name
        guard !name.isEmpty, !name.hasPrefix("-"), !Self.reservedRefNames.contains(name), git.isValidReferenceName(ref) else {
            throw MgitError(.invalidInput, "'\(name)' is not a valid \(kind) name (see 'git check-ref-format')")
        }
        return ref
    }
}
