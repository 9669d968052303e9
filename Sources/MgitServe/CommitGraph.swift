import Foundation
import ModelRepo

/// The commit DAG of every local and remote-tracking branch, with the merges that hooks or policy refused,
/// read through the public ModelRepo API (`branches`, `remoteBranches`, `history`, `operations`).
///
/// Rows are in topological order, children before parents (newest first among commits that are ready);
/// lanes are assigned as `git log --graph` does: a commit takes the lane that was waiting for it, its first
/// parent inherits the lane, further parents get lanes of their own.
struct CommitGraph: Encodable {
    /// One commit: its row and lane in the picture.
    struct Node: Encodable {
        var commit: String
        var parents: [String]
        var operation: String
        var branch: String?
        var message: String
        var date: String
        var refs: [String]
        var row: Int
        var lane: Int
    }

    /// A merge that was refused (only in the lineage database): drawn beside the head it would have moved.
    struct RefusedMerge: Encodable {
        /// The `operations` row id, for `/merge?op=ID`.
        var operation: Int64
        var into: String?
        var commitA: String
        var commitB: String
        var rejectedBy: [String]
        /// Row of the node drawn for it (before `commitA`'s row, shifted rows below).
        var row: Int
        var lane: Int
    }

    var nodes: [Node]
    var refused: [RefusedMerge]
    var lanes: Int

    /// Reads the graph from `repository`: every branch tip, local and remote-tracking, and its history.
    init(_ repository: Repository) throws {
        var tips: [(ref: String, commit: String)] = []
        for b in try repository.branches() { if let c = b.commit { tips.append((b.name, c)) } }
        for b in try repository.remoteBranches() { if let c = b.commit { tips.append((b.name, c)) } }

        var refs: [String: [String]] = [:]
        for tip in tips { refs[tip.commit, default: []].append(tip.ref) }
        // One walk from every tip at once: shared history is read once.
        var summaries: [String: CommitSummary] = [:]
        for row in try repository.history(from: tips.map(\.commit)) { summaries[row.summary.commit] = row.summary }
        let refusedRows = try repository.operations().filter { $0.kind == "merge" && $0.status == "rejected" }
        self.init(summaries: summaries, refs: refs, refused: refusedRows.compactMap(Self.refusal))
    }

    /// The refused merge an `operations` row describes, or nil when its details cannot be read.
    private static func refusal(_ row: OperationRow) -> (Int64, MergeReport)? {
        guard let id = row.id, let text = row.details,
              let report = try? JSONDecoder().decode(MergeReport.self, from: Data(text.utf8)) else { return nil }
        return (id, report)
    }

    /// Lays out `summaries` (closed under parents within the set; parents outside it are dropped).
    init(summaries: [String: CommitSummary], refs: [String: [String]], refused: [(Int64, MergeReport)]) {
        // Children count within the set, for Kahn's algorithm from the tips down.
        var pendingChildren: [String: Int] = [:]
        for s in summaries.values {
            for p in Set(s.parents) where summaries[p] != nil { pendingChildren[p, default: 0] += 1 }
        }
        func newer(_ a: CommitSummary, _ b: CommitSummary) -> Bool { a.date != b.date ? a.date > b.date : a.commit > b.commit }
        var ready = summaries.values.filter { pendingChildren[$0.commit, default: 0] == 0 }.sorted(by: newer)
        var order: [CommitSummary] = []
        order.reserveCapacity(summaries.count)
        while !ready.isEmpty {
            // ready is kept sorted newest first; take the head.
            let s = ready.removeFirst()
            order.append(s)
            for p in Set(s.parents) {
                guard let parent = summaries[p] else { continue }
                pendingChildren[p, default: 0] -= 1
                if pendingChildren[p] == 0 {
                    let at = ready.firstIndex { newer(parent, $0) } ?? ready.count
                    ready.insert(parent, at: at)
                }
            }
        }

        // Refused merges take a row just above the head they would have moved.
        var refusedAbove: [String: [(Int64, MergeReport)]] = [:]
        for r in refused where summaries[r.1.commitA] != nil { refusedAbove[r.1.commitA, default: []].append(r) }

        var lanes: [String?] = []
        var nodes: [Node] = []
        var refusedNodes: [RefusedMerge] = []
        var row = 0
        for s in order {
            let waiting = lanes.indices.filter { lanes[$0] == s.commit }
            let lane: Int
            if let first = waiting.first {
                lane = first
                for other in waiting.dropFirst() { lanes[other] = nil }
            } else if let free = lanes.firstIndex(where: { $0 == nil }) {
                lane = free
            } else {
                lane = lanes.count
                lanes.append(nil)
            }
            for (id, report) in refusedAbove[s.commit] ?? [] {
                refusedNodes.append(RefusedMerge(operation: id, into: report.into, commitA: report.commitA,
                                                 commitB: report.commitB, rejectedBy: report.rejectedBy,
                                                 row: row, lane: lane))
                row += 1
            }
            let parents = s.parents.filter { summaries[$0] != nil }
            nodes.append(Node(commit: s.commit, parents: s.parents, operation: s.operation, branch: s.branch,
                              message: s.message, date: s.date, refs: (refs[s.commit] ?? []).sorted(), row: row, lane: lane))
            row += 1
            lanes[lane] = parents.first
            for p in parents.dropFirst() where !lanes.contains(p) {
                if let free = lanes.firstIndex(where: { $0 == nil }) { lanes[free] = p } else { lanes.append(p) }
            }
            while let last = lanes.last, last == nil { lanes.removeLast() }
        }
        self.nodes = nodes
        self.refused = refusedNodes
        self.lanes = max(1, (nodes.map(\.lane) + refusedNodes.map(\.lane)).max().map { $0 + 1 } ?? 1)
    }
}
