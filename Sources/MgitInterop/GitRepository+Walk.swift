import Foundation
internal import CLibGit2

extension GitRepository {
    /// Commits reachable from any of `starts`, each once, in topological then time order (newest first): one
    /// revision walk for a whole graph, where ``history(from:limit:firstParent:)`` walks from one start.
    package func history(from starts: [ObjectID], limit: Int?) throws -> [ObjectID] {
        var walk: OpaquePointer?
        try check(git_revwalk_new(&walk, handle), "walking history")
        defer { git_revwalk_free(walk) }
        git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue)
        for start in starts {
            try check(start.withGit { git_revwalk_push(walk, $0) }, "walking history from \(start)")
        }
        var out: [ObjectID] = []
        var oid = git_oid()
        while git_revwalk_next(&oid, walk) == 0 {
            out.append(ObjectID(oid))
            if let limit, out.count >= limit { break }
        }
        return out
    }
}
