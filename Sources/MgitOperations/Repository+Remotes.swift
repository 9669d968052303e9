import Foundation
import MgitInterop
import MgitStore

/// A configured remote: its name and where it is.
public struct RemoteInfo: Codable, Sendable, Equatable {
    public var name: String
    public var url: String
    /// Where pushes go (the same as `url` unless git's `remote.<name>.pushurl` is set).
    public var pushURL: String
}

/// One reference a transfer created or moved.
public struct RefUpdate: Codable, Sendable, Equatable {
    public var ref: String
    /// nil when the reference is new.
    public var old: String?
    public var new: String
}

/// What a fetch or push moved.
public struct TransferReport: Codable, Sendable, Equatable {
    public var remote: String
    public var url: String
    /// References changed on the receiving side (local tracking refs for a fetch, the remote's refs for a push).
    public var updated: [RefUpdate]
    /// Objects sent or received.
    public var objects: Int
    /// Bytes sent or received (object contents for the local fast path, pack bytes over the network).
    public var bytes: Int
    public var seconds: Double
    /// True when mgit copied the objects itself (a remote on this machine), false when libgit2's transport did.
    public var localFastPath: Bool
    /// True when metrics the remote added were merged into the local metrics notes.
    public var metricsMerged: Bool
}

/// What `pull` did to the branch.
public struct PullReport: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable { case upToDate = "up-to-date", fastForward = "fast-forward", created }
    public var branch: String
    public var outcome: Outcome
    public var old: String?
    public var new: String
    public var fetch: TransferReport
}

/// What `clone` made.
public struct CloneReport: Codable, Sendable, Equatable {
    public var path: String
    public var url: String
    /// The checked-out branch: the remote's default branch (nil for an empty remote).
    public var branch: String?
    public var commit: String?
    public var fetch: TransferReport
}

/// Where a remote lives: a repository on this machine (a path or `file://`) or a server (git://, ssh, https).
package enum RemoteEndpoint: Equatable {
    case local(path: String)
    case network(url: String)

    /// Classifies a URL as git does: a scheme, scp-like `host:path`, or a path.
    package init(_ url: String) {
        if url.hasPrefix("file://") {
            self = .local(path: URL(string: url)?.path ?? String(url.dropFirst("file://".count)))
        } else if url.contains("://") {
            self = .network(url: url)
        } else if let colon = url.firstIndex(of: ":"), !url[..<colon].contains("/") {
            self = .network(url: url)   // user@host:path (ssh)
        } else {
            self = .local(path: URL(fileURLWithPath: url).standardizedFileURL.path)
        }
    }
}

extension Repository {
    /// The default remote of fetch, push and pull.
    public static let defaultRemote = "origin"

    // MARK: Remotes

    /// Adds a remote; a relative path is stored made absolute, so the remote works from any folder.
    @discardableResult
    public func addRemote(_ name: String, url: String) throws -> RemoteInfo {
        try requireWritable("add a remote")
        let stored: String
        if case .local(let path) = RemoteEndpoint(url), !url.hasPrefix("file://") { stored = path } else { stored = url }
        let remote = try GitRemote.create(name, url: stored, in: git)
        return RemoteInfo(name: name, url: remote.url, pushURL: remote.pushURL)
    }

    /// Every configured remote, by name.
    public func remotes() throws -> [RemoteInfo] {
        try GitRemote.names(in: git).compactMap { name in
            try GitRemote.lookup(name, in: git).map { RemoteInfo(name: name, url: $0.url, pushURL: $0.pushURL) }
        }
    }

    private func remote(_ name: String) throws -> GitRemote {
        guard let remote = try GitRemote.lookup(name, in: git) else {
            let known = (try? GitRemote.names(in: git)) ?? []
            throw MgitError(.notFound, "no remote '\(name)'"
                            + (known.isEmpty ? "; add one with 'mgit remote add \(name) URL'"
                                             : " (known: \(known.joined(separator: ", ")); see 'mgit remote -v')"))
        }
        return remote
    }

    /// Opens the repository a local remote names.
    private func openLocal(_ path: String, remote: String) throws -> GitRepository {
        do {
            return try GitRepository.open(at: path)
        } catch let error as MgitError where error.code == .notFound {
            throw MgitError(.notFound, "remote '\(remote)' is unreachable: there is no git repository at '\(path)'; "
                            + "check the URL with 'mgit remote -v'", underlying: error.underlying)
        }
    }

    /// A network failure, said in words a person can act on.
    private func unreachable(_ error: MgitError, _ remote: GitRemote) -> MgitError {
        MgitError(.external, "cannot reach remote '\(remote.name)' at '\(remote.url)': check the URL ('mgit remote -v') "
                  + "and that the server is running", underlying: error.underlying ?? error.message)
    }

    // MARK: Clone

    /// Clones the repository at `url` into `path` (default: the URL's last component, less `.git`).
    ///
    /// Makes `.mgit/` as ``create(at:)`` does, adds the remote `origin`, fetches every branch, tag and the
    /// metrics notes, indexes the lineage and points HEAD at the remote's default branch. On failure the
    /// folder is left as it was (removed when this call created it).
    public static func clone(from url: String, to path: String? = nil,
                             observer: TransferObserver? = nil) throws -> (Repository, CloneReport) {
        let name = path ?? {
            var last = URL(fileURLWithPath: url.replacingOccurrences(of: ":", with: "/")).lastPathComponent
            if last.hasSuffix(".git") { last.removeLast(4) }
            return last.isEmpty ? "repository" : last
        }()
        let root = URL(fileURLWithPath: name).standardizedFileURL.path
        let fm = FileManager.default
        let existed = fm.fileExists(atPath: root)
        if existed, let contents = try? fm.contentsOfDirectory(atPath: root), !contents.isEmpty {
            throw MgitError(.alreadyExists, "'\(root)' exists and is not empty; clone into a new folder")
        }
        let endpoint = RemoteEndpoint(url)
        if case .local(let remotePath) = endpoint {
            // Fail before creating anything when the source is not there.
            do { _ = try GitRepository.open(at: remotePath) } catch {
                throw MgitError(.notFound, "cannot clone '\(url)': there is no git repository at '\(remotePath)'")
            }
        }
        let repo = try create(at: root)
        do {
            try repo.addRemote(defaultRemote, url: url)
            let defaultBranch: String?
            switch endpoint {
            case .local(let remotePath):
                defaultBranch = try GitRepository.open(at: remotePath).headReferenceName()
            case .network:
                let remote = try repo.remote(defaultRemote)
                do { defaultBranch = try remote.advertisedReferences().defaultBranch } catch let error as MgitError {
                    throw repo.unreachable(error, remote)
                }
            }
            let fetched = try repo.fetch(defaultRemote, observer: observer)
            var branch: String?
            var commit: String?
            // The remote's HEAD may name a branch with no commits (a bare 'git init' says master): then main,
            // then the first branch there is, as the branch to start on.
            let tracking = try repo.git.references(matching: "refs/remotes/\(defaultRemote)/*").map {
                String($0.name.dropFirst("refs/remotes/\(defaultRemote)/".count))
            }
            let preferred = [defaultBranch.map { String($0.dropFirst("refs/heads/".count)) }, Repository.defaultBranch]
                .compactMap { $0 }.first { tracking.contains($0) } ?? tracking.first { $0 != "HEAD" }
            if let short = preferred {
                let head = "refs/heads/" + short
                if let target = try repo.git.referenceTarget("refs/remotes/\(defaultRemote)/\(short)") {
                    try repo.git.updateReference(head, to: target, expected: nil, logMessage: "mgit clone: from \(url)")
                    try repo.git.setHead(head)
                    try repo.git.resetIndex(to: try repo.git.commit(target).tree)
                    branch = short
                    commit = target.hex
                }
            }
            try repo.catchUpLineage()
            return (repo, CloneReport(path: root, url: url, branch: branch, commit: commit, fetch: fetched))
        } catch {
            if existed {
                try? fm.removeItem(atPath: root + "/.git")
                try? fm.removeItem(atPath: root + "/.mgit")
            } else {
                try? fm.removeItem(atPath: root)
            }
            throw error
        }
    }

    // MARK: Fetch

    /// Fetches every branch of `remoteName` into `refs/remotes/<remote>/*`, its tags, and its metrics notes into
    /// `refs/notes/remotes/<remote>/mgit-metrics`, merged into the local metrics (docs/REMOTES.md); then indexes
    /// the lineage of everything new.
    @discardableResult
    public func fetch(_ remoteName: String = defaultRemote, observer: TransferObserver? = nil) throws -> TransferReport {
        try requireWritable("fetch")
        let remote = try self.remote(remoteName)
        let trackingNotes = Self.trackingNotesRef(remoteName)
        let before = try trackedRefs(remoteName)
        var report = TransferReport(remote: remoteName, url: remote.url, updated: [], objects: 0, bytes: 0, seconds: 0,
                                    localFastPath: false, metricsMerged: false)
        let incoming: IncomingRefs
        let incomingNamespace = "refs/mgit/incoming/\(remoteName)/"
        defer { for ref in (try? git.rawReferences(matching: incomingNamespace + "*")) ?? [] { try? git.deleteReference(ref.name) } }
        switch RemoteEndpoint(remote.url) {
        case .local(let path):
            let source = try openLocal(path, remote: remoteName)
            store.sweepStaleTemporaryFiles()
            incoming = IncomingRefs(heads: try source.rawReferences(matching: "refs/heads/*"),
                                    tags: try source.rawReferences(matching: "refs/tags/*"),
                                    notes: try source.rawReferenceTarget(Self.metricsNotesRef))
            let tips = incoming.heads.map(\.target) + incoming.tags.map(\.target) + (incoming.notes.map { [$0] } ?? [])
            let outcome: ObjectTransfer.Outcome
            do {
                outcome = try ObjectTransfer(source: source, destination: git).copy(reachableFrom: tips, observer: observer)
            } catch let error as MgitError where error.code == .rejected {
                throw MgitError(.rejected, "refusing what remote '\(remoteName)' sent: \(error.message); nothing was "
                                + "fetched (no reference here moved)")
            }
            try git.refreshObjects()
            report.objects = outcome.objects
            report.bytes = outcome.bytes
            report.seconds = outcome.seconds
            report.localFastPath = true
        case .network:
            // Into a quarantine namespace first: nothing a remote sends moves a ref here before it is vetted.
            let specs = ["+refs/heads/*:\(incomingNamespace)heads/*", "+refs/tags/*:\(incomingNamespace)tags/*",
                         "+refs/notes/*:\(incomingNamespace)notes/*"]
            do {
                // libgit2 locks refs in the quarantine namespace only mgit writes: recorded as a folder.
                let progress = try LockJournal.recording(["refs/mgit/"], in: git.gitDirectory) {
                    try GitRemote.anonymous(url: remote.url, in: git).fetch(specs, observer: observer)
                }
                report.objects = progress.objects
                report.bytes = progress.bytes
                report.seconds = progress.seconds
            } catch let error as MgitError {
                throw unreachable(error, remote)
            }
            func strip(_ refs: [(name: String, target: ObjectID)], _ from: String, _ to: String) -> [(name: String, target: ObjectID)] {
                refs.map { (to + $0.name.dropFirst((incomingNamespace + from).count), $0.target) }
            }
            incoming = IncomingRefs(
                heads: strip(try git.rawReferences(matching: incomingNamespace + "heads/*"), "heads/", "refs/heads/"),
                tags: strip(try git.rawReferences(matching: incomingNamespace + "tags/*"), "tags/", "refs/tags/"),
                notes: try git.rawReferenceTarget(incomingNamespace + "notes/mgit-metrics"))
        }
        try vet(incoming, remote: remoteName)
        var wanted: [String: ObjectID] = [:]
        for head in incoming.heads { wanted["refs/remotes/\(remoteName)/" + head.name.dropFirst("refs/heads/".count)] = head.target }
        if let notes = incoming.notes { wanted[trackingNotes] = notes }
        for (ref, target) in wanted.sorted(by: { $0.key < $1.key }) where before[ref] != target {
            try git.updateReference(ref, to: target, expected: try git.rawReferenceTarget(ref), logMessage: "mgit fetch \(remoteName)")
        }
        // Branches deleted on the remote stop being tracked, as with 'git fetch --prune'.
        for (ref, _) in before where wanted[ref] == nil && ref.hasPrefix("refs/remotes/\(remoteName)/") {
            try? git.deleteReference(ref)
        }
        // New tags arrive as the remote stores them (an annotated tag keeps its tag object); existing ones stay.
        for tag in incoming.tags where try git.rawReferenceTarget(tag.name) == nil {
            try git.updateReference(tag.name, to: tag.target, expected: nil, logMessage: "mgit fetch \(remoteName)")
        }
        let after = try trackedRefs(remoteName)
        report.updated = after.filter { before[$0.key] != $0.value }.sorted { $0.key < $1.key }
            .map { RefUpdate(ref: $0.key, old: before[$0.key]?.hex, new: $0.value.hex) }
        report.metricsMerged = try store.mergeMetricsNotes(from: trackingNotes, remote: remoteName)
        try catchUpLineage()
        return report
    }

    /// The notes ref that tracks a remote's metrics notes.
    package static func trackingNotesRef(_ remote: String) -> String { "refs/notes/remotes/\(remote)/mgit-metrics" }

    /// The refs a fetch from `remote` may move: its tracking branches and notes, and every tag.
    private func trackedRefs(_ remote: String) throws -> [String: ObjectID] {
        let refs = try git.references(matching: "refs/remotes/\(remote)/*")
            + (try git.references(matching: "refs/tags/*"))
            + (try git.references(matching: "refs/notes/remotes/\(remote)/*"))
        return Dictionary(refs.map { ($0.name, $0.target) }, uniquingKeysWith: { a, _ in a })
    }

    // MARK: Push

    /// Pushes `branch` (default: the current one) and the metrics notes to `remoteName`.
    ///
    /// Only objects the remote lacks travel. The remote's branch must be an ancestor of the local one
    /// (otherwise the push is refused and nothing changes on either side); the remote's metrics are fetched
    /// and merged first, so the notes always fast-forward. For a remote on this machine mgit copies the
    /// objects itself (``ObjectTransfer``) and moves the remote's refs with compare-and-swap.
    @discardableResult
    public func push(_ remoteName: String = defaultRemote, branch: String? = nil,
                     observer: TransferObserver? = nil) throws -> TransferReport {
        let remote = try self.remote(remoteName)
        let branchName = try branch ?? currentBranch()
        let ref = "refs/heads/" + branchName
        guard let tip = try git.referenceTarget(ref) else {
            throw MgitError(.notFound, "no branch '\(branchName)' here to push (see 'mgit branch')")
        }
        try requireWritable("push")
        let endpoint = RemoteEndpoint(remote.pushURL)
        var target: GitRepository?
        let remoteTip: ObjectID?
        let remoteNotes: ObjectID?
        switch endpoint {
        case .local(let path):
            let opened = try openLocal(path, remote: remoteName)
            target = opened
            remoteTip = try opened.referenceTarget(ref)
            remoteNotes = try opened.referenceTarget(Self.metricsNotesRef)
            if !opened.isBare, try opened.headReferenceName() == ref {
                throw MgitError(.rejected, "push refused: '\(branchName)' is the current branch of the non-bare repository "
                                + "at '\(path)'; push to a bare repository, or switch that one to another branch")
            }
        case .network:
            let advertised: [String: ObjectID]
            do { advertised = try remote.advertisedReferences().refs } catch let error as MgitError {
                throw unreachable(error, remote)
            }
            remoteTip = advertised[ref]
            remoteNotes = advertised[Self.metricsNotesRef]
        }
        if let remoteTip, remoteTip != tip {
            guard git.contains(remoteTip), try git.isDescendant(tip, of: remoteTip) else {
                throw MgitError(.rejected, "push rejected: '\(branchName)' on '\(remoteName)' has commits that are not "
                                + "here (it moved since you last fetched); nothing was changed. Run 'mgit pull \(remoteName) "
                                + "\(branchName)' (or 'mgit fetch \(remoteName)' and 'mgit merge \(remoteName)/\(branchName)'), "
                                + "then push again")
            }
        }
        var report = TransferReport(remote: remoteName, url: remote.pushURL, updated: [], objects: 0, bytes: 0,
                                    seconds: 0, localFastPath: target != nil, metricsMerged: false)

        // Their metrics first, merged into ours, so that our notes ref is a fast-forward of theirs.
        let localNotes = try git.referenceTarget(Self.metricsNotesRef)
        let notesBehind = try remoteNotes.map { r in
            try r != localNotes && !(git.contains(r) && localNotes != nil && git.isDescendant(localNotes!, of: r))
        } ?? false
        if let remoteNotes, notesBehind {
            let tracking = Self.trackingNotesRef(remoteName)
            if let target {
                _ = try ObjectTransfer(source: target, destination: git).copy(reachableFrom: [remoteNotes], observer: nil)
                try git.refreshObjects()
                try git.updateReference(tracking, to: remoteNotes, expected: try git.referenceTarget(tracking),
                                        logMessage: "mgit push: their metrics")
            } else {
                do {
                    _ = try remote.fetch(["+\(Self.metricsNotesRef):\(tracking)"], observer: nil)
                } catch let error as MgitError { throw unreachable(error, remote) }
            }
            report.metricsMerged = try store.mergeMetricsNotes(from: tracking, remote: remoteName)
            try catchUpLineage()
        }
        let notesTip = try git.referenceTarget(Self.metricsNotesRef)
        let pushNotes = notesTip != nil && notesTip != remoteNotes
        guard remoteTip != tip || pushNotes else { return report }

        if let target, case .local(let path) = endpoint, !receiveHooks(of: target).isEmpty {
            // The receiving repository enforces policy in hooks: go through git's receive-pack.
            var specs: [String] = []
            if remoteTip != tip { specs.append("\(tip.hex):\(ref)") }
            if pushNotes, let notesTip { specs.append("\(notesTip.hex):\(Self.metricsNotesRef)") }
            try pushThroughReceivePack(to: path, specs: specs, remote: remoteName)
            report.localFastPath = false
            if remoteTip != tip { report.updated.append(RefUpdate(ref: ref, old: remoteTip?.hex, new: tip.hex)) }
            if pushNotes, let notesTip {
                report.updated.append(RefUpdate(ref: Self.metricsNotesRef, old: remoteNotes?.hex, new: notesTip.hex))
            }
        } else if let target {
            store.sweepStaleTemporaryFiles(in: target.gitDirectory)
            let outcome = try ObjectTransfer(source: git, destination: target)
                .copy(reachableFrom: [tip] + (pushNotes ? [notesTip!] : []), observer: observer)
            report.objects = outcome.objects
            report.bytes = outcome.bytes
            report.seconds = outcome.seconds
            if remoteTip != tip {
                do {
                    try target.updateReference(ref, to: tip, expected: remoteTip, logMessage: "mgit push")
                } catch let error as MgitError where error.code == .busy {
                    throw MgitError(.busy, "'\(branchName)' on '\(remoteName)' moved while pushing; nothing was changed "
                                    + "there. Fetch and try again", underlying: error.underlying)
                }
                report.updated.append(RefUpdate(ref: ref, old: remoteTip?.hex, new: tip.hex))
            }
            if pushNotes {
                do {
                    try target.updateReference(Self.metricsNotesRef, to: notesTip!, expected: remoteNotes,
                                               logMessage: "mgit push: metrics")
                } catch let error as MgitError where error.code == .busy {
                    throw MgitError(.busy, "'\(branchName)' was pushed, but the metrics on '\(remoteName)' changed "
                                    + "meanwhile; run 'mgit push' again to send the metrics", underlying: error.underlying)
                }
                report.updated.append(RefUpdate(ref: Self.metricsNotesRef, old: remoteNotes?.hex, new: notesTip!.hex))
            }
        } else {
            var specs: [String] = []
            if remoteTip != tip { specs.append("\(ref):\(ref)") }
            if pushNotes { specs.append("\(Self.metricsNotesRef):\(Self.metricsNotesRef)") }
            let result: (progress: TransferProgress, refused: [String: String])
            do { result = try remote.push(specs, from: git, observer: observer) } catch let error as MgitError {
                throw MgitError(.external, "push to '\(remoteName)' (\(remote.pushURL)) failed; is pushing enabled on the "
                                + "server (git daemon needs --enable=receive-pack)?", underlying: error.underlying ?? error.message)
            }
            if !result.refused.isEmpty {
                let reasons = result.refused.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
                throw MgitError(.rejected, "'\(remoteName)' refused the push (\(reasons)); fetch, then push again")
            }
            report.objects = result.progress.objects
            report.bytes = result.progress.bytes
            report.seconds = result.progress.seconds
            if remoteTip != tip { report.updated.append(RefUpdate(ref: ref, old: remoteTip?.hex, new: tip.hex)) }
            if pushNotes { report.updated.append(RefUpdate(ref: Self.metricsNotesRef, old: remoteNotes?.hex, new: notesTip!.hex)) }
        }
        // What we now know the remote holds.
        let trackingBranch = "refs/remotes/\(remoteName)/\(branchName)"
        try? git.updateReference(trackingBranch, to: tip, expected: try git.referenceTarget(trackingBranch),
                                 logMessage: "mgit push")
        if pushNotes, let notesTip {
            let tracking = Self.trackingNotesRef(remoteName)
            try? git.updateReference(tracking, to: notesTip, expected: try git.referenceTarget(tracking),
                                     logMessage: "mgit push")
        }
        return report
    }

    // MARK: Pull

    /// Fetches `remoteName`, then fast-forwards the local `branch` (default: the current one) to the remote's,
    /// creating it when it does not exist here. A branch that has diverged is refused with a pointer to
    /// `mgit merge`; nothing but the remote-tracking refs changes then.
    @discardableResult
    public func pull(_ remoteName: String = defaultRemote, branch: String? = nil,
                     observer: TransferObserver? = nil) throws -> PullReport {
        let branchName = try branch ?? currentBranch()
        _ = try self.remote(remoteName)
        let fetched = try fetch(remoteName, observer: observer)
        let tracking = "refs/remotes/\(remoteName)/\(branchName)"
        guard let theirs = try git.referenceTarget(tracking) else {
            throw MgitError(.notFound, "remote '\(remoteName)' has no branch '\(branchName)' (see 'mgit branch -r' "
                            + "or 'git branch -r')")
        }
        let ref = "refs/heads/" + branchName
        let ours = try git.referenceTarget(ref)
        var outcome: PullReport.Outcome
        if let ours {
            if try ours == theirs || git.isDescendant(ours, of: theirs) {
                return PullReport(branch: branchName, outcome: .upToDate, old: ours.hex, new: ours.hex, fetch: fetched)
            }
            guard try git.isDescendant(theirs, of: ours) else {
                let here = try git.commitsBetween(theirs, ours).count
                let there = try git.commitsBetween(ours, theirs).count
                throw MgitError(.rejected, "cannot fast-forward '\(branchName)': it and '\(remoteName)/\(branchName)' have "
                                + "diverged (\(here) commit\(here == 1 ? "" : "s") only here, \(there) only there). "
                                + "pull only fast-forwards: combine them with 'mgit merge \(remoteName)/\(branchName)' "
                                + "on '\(branchName)', then push")
            }
            outcome = .fastForward
        } else {
            outcome = .created
        }
        try git.updateReference(ref, to: theirs, expected: ours, logMessage: "mgit pull \(remoteName) \(branchName)")
        if try git.headReferenceName() == ref { try? git.resetIndex(to: try git.commit(theirs).tree) }
        return PullReport(branch: branchName, outcome: outcome, old: ours?.hex, new: theirs.hex, fetch: fetched)
    }
}
