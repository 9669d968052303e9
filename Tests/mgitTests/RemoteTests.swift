import Foundation
import ModelRepo
import Testing

/// How the teams reach the shared repository.
enum Transport: String, CaseIterable, CustomTestStringConvertible {
    case path, fileURL, gitDaemon
    var testDescription: String { rawValue }
}

/// A shared bare repository (reached by path, file:// or a real git daemon) and two clones, teamA and teamB.
///
/// Tests build on ``exchange()``: both teams have committed, added metrics, pushed and pulled each other's
/// branch. ``teamsMergeThroughTheRemoteAndSeeTheSameLineage`` goes on to a merge with trained models.
final class TwoTeams {
    let dir: TemporaryDirectory
    let daemon: GitDaemon?
    let serverPath: String
    let url: String
    var teamA: String { dir.file("teamA") }
    var teamB: String { dir.file("teamB") }

    init(_ transport: Transport) throws {
        dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("srv"), withIntermediateDirectories: true)
        serverPath = dir.file("srv/models.git")
        let made = try MgitProcess.run("/usr/bin/git", ["init", "-q", "--bare", "-b", "main", serverPath], in: dir.path)
        #expect(made.status == 0, "\(made.stderr)")
        switch transport {
        case .path: daemon = nil; url = serverPath
        case .fileURL: daemon = nil; url = "file://" + serverPath
        case .gitDaemon: daemon = try GitDaemon(basePath: dir.file("srv")); url = daemon!.url("models.git")
        }
    }

    @discardableResult
    func mgit(_ args: String..., in directory: String) throws -> CommandResult {
        try MgitProcess.run(MgitProcess.binary, args, in: directory)
    }

    @discardableResult
    func git(_ args: String..., in directory: String) throws -> CommandResult {
        try MgitProcess.run("/usr/bin/git", args, in: directory)
    }

    /// Runs mgit and fails the test with its stderr unless it exits 0.
    @discardableResult
    func ok(_ args: String..., in directory: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
        try ok(args, in: directory, sourceLocation: sourceLocation)
    }

    @discardableResult
    func ok(_ args: [String], in directory: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
        let r = try MgitProcess.run(MgitProcess.binary, args, in: directory, environment: ["OPENBLAS_NUM_THREADS": "1"])
        #expect(r.status == 0, "mgit \(args.joined(separator: " ")): \(r.stderr)", sourceLocation: sourceLocation)
        return r
    }

    /// Writes a small checkpoint file and returns its path.
    func checkpoint(seed: UInt64, variant: Int = 0) throws -> String {
        let path = dir.file("ckpt-\(seed)-\(variant).safetensors")
        try Fixtures.write(Fixtures.checkpoint(seed: seed, variant: variant), to: path)
        return path
    }

    /// A base commit on main, pushed from a seed repository; both teams clone it; each commits on its own
    /// branch and adds metrics (also to the shared base, so the metrics notes diverge), pushes, and pulls the
    /// other's branch. Returns the commit ids: base, teamA's and teamB's.
    func exchange() throws -> (base: String, a: String, b: String) {
        let seed = dir.file("seed")
        try ok("init", seed, in: dir.path)
        try ok("commit", try checkpoint(seed: 1), "-m", "base", in: seed)
        try ok("metrics", "add", "HEAD", "accuracy=0.5", "--split", "test", in: seed)
        try ok("remote", "add", "origin", url, in: seed)
        try ok("push", in: seed)
        try ok("clone", url, teamA, in: dir.path)
        try ok("clone", url, teamB, in: dir.path)

        try ok("branch", "teamA", "main", in: teamA)
        try ok("commit", try checkpoint(seed: 1, variant: 1), "-m", "teamA tuned", "--branch", "teamA",
               "--metric", "loss=0.25", in: teamA)
        try ok("metrics", "add", "teamA", "accuracy=0.61", in: teamA)
        try ok("metrics", "add", "main", "accuracy=0.52", "--split", "val", in: teamA)
        try ok("push", "origin", "teamA", in: teamA)

        try ok("branch", "teamB", "main", in: teamB)
        try ok("commit", try checkpoint(seed: 2), "-m", "teamB fresh", "--branch", "teamB", in: teamB)
        try ok("metrics", "add", "teamB", "accuracy=0.7", in: teamB)
        try ok("metrics", "add", "main", "loss=0.9", in: teamB)
        try ok("push", "origin", "teamB", in: teamB)   // merges teamA's metrics first

        let pulledB = try ok("pull", "origin", "teamB", "--json", in: teamA)
        #expect((try pulledB.json() as? [String: Any])?["outcome"] as? String == "created")
        try ok("pull", "origin", "teamA", in: teamB)
        try ok("fetch", in: teamB)

        let ids = try ["main", "teamA", "teamB"].map { branch in
            try git("rev-parse", branch, in: teamA).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return (ids[0], ids[1], ids[2])
    }
}

@Suite(.serialized) struct RemoteTests {
    /// Two teams train apart, push, pull each other's branch; teamA merges (aligned), pushes, teamB pulls: the
    /// merge's lineage and metrics are the same on both sides, through a real git daemon.
    @Test(arguments: [Transport.gitDaemon, .path])
    func teamsMergeThroughTheRemoteAndSeeTheSameLineage(_ transport: Transport) throws {
        let teams = try TwoTeams(transport)
        let train = ["--hidden", "24", "--subset", "first:1000", "--test-data", "none"]
        let seed = teams.dir.file("seed")
        try teams.ok("init", seed, in: teams.dir.path)
        try teams.ok(["train"] + train + ["--seed", "1", "-m", "base"], in: seed)
        try teams.ok("remote", "add", "origin", teams.url, in: seed)
        try teams.ok("push", in: seed)
        try teams.ok("clone", teams.url, teams.teamA, in: teams.dir.path)
        try teams.ok("clone", teams.url, teams.teamB, in: teams.dir.path)
        try teams.ok(["train"] + train + ["--seed", "2", "--branch", "teamA", "-m", "team A"], in: teams.teamA)
        try teams.ok("push", "origin", "teamA", in: teams.teamA)
        try teams.ok(["train"] + train + ["--seed", "3", "--branch", "teamB", "-m", "team B"], in: teams.teamB)
        try teams.ok("push", "origin", "teamB", in: teams.teamB)

        try teams.ok("pull", "origin", "teamB", in: teams.teamA)
        let merged = try teams.ok("merge", "teamA", "teamB", "--samples", "300", "--points", "3", "--json", in: teams.teamA)
        let commit = try #require(try merged.json() as? [String: Any])["commit"] as? String
        try teams.ok("push", "origin", "teamA", in: teams.teamA)
        try teams.ok("pull", "origin", "teamA", in: teams.teamB)

        #expect(try teams.git("rev-parse", "teamA", in: teams.teamB).stdout.hasPrefix(commit ?? "-"))
        let onA = try teams.ok("lineage", "teamA", "--json", in: teams.teamA).stdout
        let onB = try teams.ok("lineage", "teamA", "--json", in: teams.teamB).stdout
        #expect(onA == onB)
        let nodes = try #require(try JSONSerialization.jsonObject(with: Data(onB.utf8)) as? [[String: Any]])
        #expect(nodes.first?["operation"] as? String == "merge")
        #expect(nodes.contains { $0["operation"] as? String == "rebase" })
        #expect(try teams.ok("metrics", "teamA", "--json", in: teams.teamA).stdout
                == (try teams.ok("metrics", "teamA", "--json", in: teams.teamB).stdout))
        for repo in [teams.serverPath, teams.teamA, teams.teamB] {
            #expect(try teams.git("fsck", "--strict", in: repo).status == 0, "\(repo)")
        }
    }

    @Test(arguments: Transport.allCases)
    func twoTeamsSeeTheSameLineageAndMetrics(_ transport: Transport) throws {
        let teams = try TwoTeams(transport)
        let (base, a, b) = try teams.exchange()
        for repo in [teams.teamA, teams.teamB] {
            for (branch, id) in [("main", base), ("teamA", a), ("teamB", b)] {
                #expect(try teams.git("rev-parse", branch, in: repo).stdout.hasPrefix(id), "\(branch) in \(repo)")
            }
        }
        // Every commit's lineage and metrics, read from each side's own database, are identical.
        for id in [base, a, b] {
            let onA = try teams.ok("lineage", id, "--json", in: teams.teamA).stdout
            let onB = try teams.ok("lineage", id, "--json", in: teams.teamB).stdout
            #expect(onA == onB, "lineage of \(id)")
            let metricsA = try teams.ok("metrics", id, "--json", in: teams.teamA).stdout
            #expect(metricsA == (try teams.ok("metrics", id, "--json", in: teams.teamB).stdout), "metrics of \(id)")
        }
        // Metrics added on both sides to the shared base commit: the union, each once.
        let baseMetrics = try #require(try JSONSerialization.jsonObject(
            with: Data(try teams.ok("metrics", base, "--json", in: teams.teamA).stdout.utf8)) as? [String: Any])
        let names = (baseMetrics["metrics"] as? [[String: Any]] ?? []).map { "\($0["name"]!)=\($0["value"]!)" }.sorted()
        #expect(names == ["accuracy=0.5", "accuracy=0.52", "loss=0.9"])
        // teamA's commit carries its commit-time metric and the one added later.
        let aMetrics = try teams.ok("metrics", a, "--json", in: teams.teamB).stdout
        #expect(aMetrics.contains("\"loss\"") && aMetrics.contains("0.61"))
        // The lineage says teamA's commit came from main's.
        let lineage = try #require(try JSONSerialization.jsonObject(
            with: Data(try teams.ok("lineage", a, "--json", in: teams.teamB).stdout.utf8)) as? [[String: Any]])
        #expect(lineage.map { $0["commit"] as? String } == [a, base])

        // The server holds both branches and the merged notes; all three stores are sound.
        for repo in [teams.serverPath, teams.teamA, teams.teamB] {
            let fsck = try teams.git("fsck", "--strict", in: repo)
            #expect(fsck.status == 0, "\(repo): \(fsck.stderr)")
        }
        #expect(try teams.git("rev-parse", "teamA", "teamB", in: teams.serverPath).stdout == "\(a)\n\(b)\n")
        // Remote-tracking branches are indexed: the database knows every commit without a local branch.
        let reindexed = try teams.ok("reindex", "--json", in: teams.teamB).stdout
        #expect(reindexed.contains("\"commits\" : 3"))
    }

    @Test func pushSendsOnlyTheObjectsTheRemoteLacks() throws {
        let teams = try TwoTeams(.path)
        let repo = teams.dir.file("solo")
        try teams.ok("init", repo, in: teams.dir.path)
        try teams.ok("remote", "add", "origin", teams.url, in: repo)
        try teams.ok("commit", try teams.checkpoint(seed: 5), "-m", "one", in: repo)
        let first = try #require(try teams.ok("push", "--json", in: repo).json() as? [String: Any])
        let old = try teams.git("rev-parse", "main", in: repo).stdout.trimmingCharacters(in: .newlines)
        #expect(first["localFastPath"] as? Bool == true)
        let everything = try teams.git("rev-list", "--objects", "main", in: repo).stdout.split(separator: "\n").count
        #expect(first["objects"] as? Int == everything)

        // One tensor changes: exactly the objects git says are new since the pushed commit travel.
        try teams.ok("commit", try teams.checkpoint(seed: 5, variant: 3), "-m", "two", in: repo)
        let expected = try teams.git("rev-list", "--objects", "main", "--not", old, in: repo).stdout
            .split(separator: "\n").count
        let second = try #require(try teams.ok("push", "--json", in: repo).json() as? [String: Any])
        #expect(second["objects"] as? Int == expected)
        // fc2.weight is 4×16 float32 = 256 bytes; the rest is manifest, operation record, trees and the commit.
        #expect((second["bytes"] as? Int ?? .max) < 8_000)
        #expect(try teams.git("rev-parse", "main", in: teams.serverPath).stdout == (try teams.git("rev-parse", "main", in: repo).stdout))
        let fsck = try teams.git("fsck", "--strict", in: teams.serverPath)
        #expect(fsck.status == 0, "\(fsck.stderr)")
        // Nothing new: nothing travels.
        let third = try #require(try teams.ok("push", "--json", in: repo).json() as? [String: Any])
        #expect(third["objects"] as? Int == 0)
        #expect((third["updated"] as? [Any])?.isEmpty == true)
    }

    @Test(arguments: [Transport.path, .gitDaemon])
    func aPushOverARemoteThatMovedIsRefusedAndChangesNothing(_ transport: Transport) throws {
        let teams = try TwoTeams(transport)
        _ = try teams.exchange()
        try teams.ok("commit", try teams.checkpoint(seed: 7), "-m", "A on main", in: teams.teamA)
        try teams.ok("push", in: teams.teamA)
        try teams.ok("commit", try teams.checkpoint(seed: 8), "-m", "B on main", in: teams.teamB)

        let serverRefs = try teams.git("for-each-ref", in: teams.serverPath).stdout
        let localRefs = try teams.git("for-each-ref", in: teams.teamB).stdout
        let database = FileManager.default.contents(atPath: teams.teamB + "/.mgit/lineage.sqlite")
        let push = try teams.mgit("push", in: teams.teamB)
        #expect(push.status == 3, "\(push.stderr)")
        #expect(push.stderr.hasPrefix("error: push rejected") && push.stderr.contains("mgit pull"))
        #expect(try teams.git("for-each-ref", in: teams.serverPath).stdout == serverRefs)
        #expect(try teams.git("for-each-ref", in: teams.teamB).stdout == localRefs)
        #expect(FileManager.default.contents(atPath: teams.teamB + "/.mgit/lineage.sqlite") == database)

        // pull only fast-forwards: a diverged branch points to merge, and main stays where it was.
        let mainBefore = try teams.git("rev-parse", "main", in: teams.teamB).stdout
        let pull = try teams.mgit("pull", in: teams.teamB)
        #expect(pull.status == 3)
        #expect(pull.stderr.contains("diverged") && pull.stderr.contains("mgit merge origin/main"))
        #expect(try teams.git("rev-parse", "main", in: teams.teamB).stdout == mainBefore)
        // What the pull fetched is indexed although no local branch points to it: lineage works on origin/main.
        let theirs = try teams.git("rev-parse", "origin/main", in: teams.teamB).stdout.trimmingCharacters(in: .newlines)
        #expect(try StoreAudit.indexedCommits(teams.teamB).contains(theirs))
        let lineage = try teams.ok("lineage", "origin/main", "--json", in: teams.teamB).stdout
        #expect(lineage.contains("\"message\" : \"A on main\""))
    }

    @Test func unknownRemotesAndUnreachableURLsSayWhatToDo() throws {
        let box = try Sandbox()
        let unknown = try box.mgit("push", "nowhere")
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "error: no remote 'nowhere'; add one with 'mgit remote add nowhere URL'\n")

        try box.mgit("remote", "add", "gone", box.dir.file("missing.git"))
        let gone = try box.mgit("fetch", "gone")
        #expect(gone.status == 1)
        #expect(gone.stderr.hasPrefix("error: remote 'gone' is unreachable: there is no git repository at"))

        let port = try GitDaemon.freePort()   // nothing listens there
        try box.mgit("remote", "add", "down", "git://127.0.0.1:\(port)/x.git")
        let down = try box.mgit("fetch", "down")
        #expect(down.status == 5)
        #expect(down.stderr.hasPrefix("error: cannot reach remote 'down' at 'git://127.0.0.1:\(port)/x.git'"))

        let again = try box.mgit("remote", "add", "gone", "/elsewhere")
        #expect(again.status == 1 && again.stderr.contains("already exists"))
        let listed = try box.mgit("remote", "-v")
        #expect(listed.stdout.contains("gone\t\(box.dir.file("missing.git")) (fetch)"))
        #expect(listed.stdout.contains("down\tgit://127.0.0.1:\(port)/x.git (push)"))

        let clone = try box.mgit("clone", box.dir.file("missing.git"), box.dir.file("copy"), in: box.dir.path)
        #expect(clone.status == 1)
        #expect(!FileManager.default.fileExists(atPath: box.dir.file("copy")))
    }

    @Test func jsonModePrintsNoProgressAndCloneStartsOnTheRemotesDefaultBranch() throws {
        let teams = try TwoTeams(.gitDaemon)
        let seed = teams.dir.file("seed")
        try teams.ok("init", seed, in: teams.dir.path)
        try teams.ok("commit", try teams.checkpoint(seed: 3), "-m", "base", in: seed)
        try teams.ok("remote", "add", "origin", teams.url, in: seed)
        let push = try teams.ok("push", "--json", in: seed)
        #expect(push.stderr.isEmpty)
        let clone = try teams.ok("clone", teams.url, "copy", "--json", in: teams.dir.path)
        #expect(clone.stderr.isEmpty)
        let report = try #require(try clone.json() as? [String: Any])
        #expect(report["branch"] as? String == "main")
        #expect(try teams.git("symbolic-ref", "HEAD", in: teams.dir.file("copy")).stdout == "refs/heads/main\n")
        // mgit keeps no files in the working folder: a clone's git status is clean.
        #expect(try teams.git("status", "--porcelain", in: teams.dir.file("copy")).stdout == "")
        #expect(FileManager.default.fileExists(atPath: teams.dir.file("copy/.mgit/lineage.sqlite")))
    }
}
