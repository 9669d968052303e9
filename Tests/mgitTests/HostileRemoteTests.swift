import Foundation
import Testing

/// Hostile remotes (issue 11): every class of planted data is refused by `clone` and `fetch` with one clean
/// `error:` line, leaves no half-made clone and no moved ref, and the local repository stays fully usable.
@Suite struct HostileRemoteTests {
    /// One hostile ref to plant on the server, and the words the refusal must contain.
    struct Plant {
        var label: String
        var ref: String
        var target: String
        var naming: [String]
    }

    /// Plants every class of hostile data the issue lists, each under its own ref, one at a time.
    static func plants(_ server: HostileServer) throws -> [Plant] {
        var out: [Plant] = []
        let hook = try server.blob("#!/bin/sh\ntouch '\(server.marker)'\n")
        let hooks = try server.tree([("100755", hook, "post-commit")])
        let config = try server.blob("[eval]\n\tcommand = touch '\(server.marker)'\n[hooks]\n\tpath = /tmp\n")

        // 1. An mgit commit whose tree also holds .mgit/hooks/post-commit.
        let dotMgit = try server.tree([("040000", hooks, "hooks"), ("100644", config, "config")])
        let withHook = try server.commit(try server.baseTree(replacing: [("040000", dotMgit, ".mgit")]))
        out.append(Plant(label: "hook in an mgit commit", ref: "refs/heads/hook", target: withHook,
                         naming: [String(withHook.prefix(12)), "'.mgit'"]))
        // 2. A plain git commit holding .mgit/config.
        let plainConfig = try server.commit(try server.tree([("040000", try server.tree([("100644", config, "config")]), ".mgit")]),
                                            message: "just files\n")
        out.append(Plant(label: "plain commit with .mgit/config", ref: "refs/heads/config", target: plainConfig,
                         naming: [String(plainConfig.prefix(12)), "'.mgit'"]))
        // 3. A plain commit with a nested .gitattributes.
        let attributes = try server.blob("* filter=evil\n")
        let sub = try server.tree([("100644", attributes, ".gitattributes")])
        let plainAttributes = try server.commit(try server.tree([("040000", sub, "sub")]), message: "attributes\n")
        out.append(Plant(label: ".gitattributes", ref: "refs/heads/attributes", target: plainAttributes,
                         naming: ["'sub/.gitattributes'"]))
        // 4-7. Manifests that break their invariants.
        let manifests: [(String, (inout [String: Any]) -> Void, String)] = [
            ("shape overflow", { $0["shape"] = [1 << 62, 4] }, "more elements"),
            ("bad blob id", { $0["blob"] = "zz" }, "'zz'"),
            ("negative dimension", { $0["shape"] = [-4, 1] }, "negative dimension"),
            ("NUL in a tensor name", { $0["name"] = "fc1\u{0}weight" }, "NUL"),
            ("bytes disagree with the shape", { $0["bytes"] = 3 }, "says 3"),
        ]
        for (i, (label, edit, word)) in manifests.enumerated() {
            let manifest = try server.blob(try server.editedManifest(edit))
            let commit = try server.commit(try server.baseTree(replacing: [("100644", manifest, "manifest.json")]))
            out.append(Plant(label: label, ref: "refs/heads/manifest\(i)", target: commit,
                             naming: [String(commit.prefix(12)), "manifest", word]))
        }
        // 8. The metrics notes ref pointing to a blob.
        out.append(Plant(label: "notes ref to a blob", ref: "refs/notes/mgit-metrics", target: config,
                         naming: ["refs/notes/mgit-metrics", "not a commit"]))
        // 9. A plain commit whose tree is nested 5000 levels deep (git's limit is 4096).
        let path = Array(repeating: "d", count: 5000).joined(separator: "/") + "/f"
        let stream = "blob\nmark :1\ndata 2\nhi\ncommit refs/heads/deep\ncommitter a <a@b> 0 +0000\ndata 5\ndeep\n"
            + "M 100644 :1 \(path)\n\n"
        try server.git(["fast-import", "--quiet"], stdin: stream)
        let deep = try server.git(["rev-parse", "refs/heads/deep"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try server.git(["update-ref", "-d", "refs/heads/deep"])
        out.append(Plant(label: "tree 5000 deep", ref: "refs/heads/deep", target: deep, naming: ["4096"]))
        return out
    }

    @Test(arguments: [Transport.fileURL, .gitDaemon])
    func everyHostileRefIsRefusedByCloneAndFetchAndChangesNothing(_ transport: Transport) throws {
        let server = try HostileServer(transport)
        let local = server.dir.file("local")
        try server.mgitOK(["clone", server.url, local], in: server.dir.path)
        for plant in try Self.plants(server) {
            try server.setRef(plant.ref, plant.target)
            defer { _ = try? server.git(["update-ref", "-d", plant.ref]) }

            let dest = server.dir.file("clone-\(UUID().uuidString.prefix(8))")
            let cloned = try server.mgit(["clone", server.url, dest], in: server.dir.path)
            HostileServer.expectRefusal(cloned, naming: plant.naming)
            #expect(!FileManager.default.fileExists(atPath: dest), "\(plant.label): a half-made clone was left")

            let refsBefore = try MgitProcess.run("/usr/bin/git", ["for-each-ref"], in: local).stdout
            let fetched = try server.mgit(["fetch"], in: local)
            HostileServer.expectRefusal(fetched, naming: plant.naming + ["nothing was fetched"])
            #expect(try MgitProcess.run("/usr/bin/git", ["for-each-ref"], in: local).stdout == refsBefore, "\(plant.label)")
        }
        // With the server honest again, everything works.
        try server.mgitOK(["fetch"], in: local)
        try server.expectUsable(local)
    }

    /// Hostile commits fetched with plain git (mgit never saw them) are skipped by the indexer with one warning
    /// each, never fatal: every command, reindex included, still runs, and reading the bad commit is an error.
    @Test func commitsFetchedWithPlainGitAreSkippedByTheIndexerNotFatal() throws {
        let server = try HostileServer(.fileURL)
        let local = server.dir.file("local")
        try server.mgitOK(["clone", server.url, local], in: server.dir.path)
        let plants = try Self.plants(server).filter { $0.ref.hasPrefix("refs/heads/manifest") || $0.ref == "refs/notes/mgit-metrics" }
        for plant in plants { try server.setRef(plant.ref, plant.target) }
        let fetched = try MgitProcess.run("/usr/bin/git", ["fetch", "-q", "origin", "+refs/heads/*:refs/remotes/origin/*",
                                                           "+refs/notes/*:refs/notes/*"], in: local)
        #expect(fetched.status == 0, "\(fetched.stderr)")
        let log = try server.mgitOK(["log"], in: local)
        let warnings = log.stderr.split(separator: "\n").filter { $0.hasPrefix("warning: ") }
        #expect(warnings.count == plants.count, "\(log.stderr)")
        for plant in plants where plant.ref.hasPrefix("refs/heads/") {
            #expect(log.stderr.contains(plant.target.prefix(12)), "\(plant.label): \(log.stderr)")
            let shown = try server.mgit(["show", plant.target], in: local)
            HostileServer.expectRefusal(shown, naming: ["manifest"])
            let exported = try server.mgit(["export", plant.target, "-o", server.dir.file("x.safetensors")], in: local)
            HostileServer.expectRefusal(exported, naming: ["manifest"])
        }
        let reindexed = try server.mgitOK(["reindex"], in: local)
        #expect(reindexed.stderr.contains("warning: "), "reindex reports the skipped commits again")
        // The local repository otherwise works: git fsck, SQLite, new commits.
        try MgitProcess.run("/usr/bin/git", ["update-ref", "-d", "refs/notes/mgit-metrics"], in: local)
        try server.expectUsable(local)
    }
}

/// Annotated tags arrive as tag objects (not flattened to lightweight tags) on every transport, and a tag of a
/// tree (git allows it) neither traps nor stops the clone.
@Suite struct AnnotatedTagTests {
    @Test(arguments: [Transport.path, .gitDaemon])
    func annotatedTagsArriveAsTagObjects(_ transport: Transport) throws {
        let server = try HostileServer(transport)
        try server.git(["tag", "-a", "v1", "-m", "release one", "main"])
        let tree = try server.git(["rev-parse", "main^{tree}"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try server.git(["tag", "-a", "treetag", "-m", "a tree", tree])
        let local = server.dir.file("local")
        try server.mgitOK(["clone", server.url, local], in: server.dir.path)
        let kind = try MgitProcess.run("/usr/bin/git", ["cat-file", "-t", "refs/tags/v1"], in: local)
        #expect(kind.stdout == "tag\n", "\(kind.stdout)\(kind.stderr)")
        let message = try MgitProcess.run("/usr/bin/git", ["cat-file", "tag", "refs/tags/v1"], in: local).stdout
        #expect(message.contains("release one"))
        let same = try server.git(["rev-parse", "refs/tags/v1"]).stdout
        #expect(try MgitProcess.run("/usr/bin/git", ["rev-parse", "refs/tags/v1"], in: local).stdout == same)
        try StoreAudit.expectSound(local)
    }
}
