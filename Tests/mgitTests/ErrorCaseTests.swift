import Foundation
import ModelRepo
import Testing

/// Bad input: one `error:` line on stderr, a non-zero status, and every ref, object and row as it was.
@Suite struct ErrorCaseTests {
    /// A repository with one commit, and the state to compare against after the failing command.
    private func prepared() throws -> Sandbox {
        let box = try Sandbox()
        try Fixtures.write(Fixtures.checkpoint(), to: box.dir.file("good.safetensors"))
        let r = try box.mgit("commit", box.dir.file("good.safetensors"), "-m", "good")
        #expect(r.status == 0, "\(r.stderr)")
        return box
    }

    private func expectCleanFailure(_ box: Sandbox, _ args: [String], mentions: [String],
                                    sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try box.state()
        let r = try MgitProcess.run(MgitProcess.binary, args, in: box.repo)
        #expect(r.status != 0, "exit status for \(args)", sourceLocation: sourceLocation)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && r.stderr.hasPrefix("error: "), "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        for word in mentions {
            #expect(r.stderr.contains(word), "'\(word)' missing from: \(r.stderr)", sourceLocation: sourceLocation)
        }
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack"), sourceLocation: sourceLocation)
        #expect(try box.state() == before, "state changed after \(args)", sourceLocation: sourceLocation)
    }

    @Test func truncatedCheckpoint() throws {
        let box = try prepared()
        var bytes = try #require(FileManager.default.contents(atPath: box.dir.file("good.safetensors")))
        bytes.removeLast(10)
        _ = FileManager.default.createFile(atPath: box.dir.file("cut.safetensors"), contents: bytes)
        try expectCleanFailure(box, ["commit", box.dir.file("cut.safetensors"), "-m", "x"], mentions: ["cut.safetensors", "corrupt"])
    }

    @Test func unknownDType() throws {
        let box = try prepared()
        let header = #"{"w":{"dtype":"F7","shape":[1],"data_offsets":[0,4]}}  "#
        var bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { Array($0) } + Array(header.utf8)
        bytes += [0, 0, 0, 0]
        _ = FileManager.default.createFile(atPath: box.dir.file("f7.safetensors"), contents: Data(bytes))
        try expectCleanFailure(box, ["commit", box.dir.file("f7.safetensors"), "-m", "x"], mentions: ["F7", "'w'"])
    }

    @Test func garbageFile() throws {
        let box = try prepared()
        _ = FileManager.default.createFile(atPath: box.dir.file("junk.safetensors"), contents: Data("not a checkpoint".utf8))
        try expectCleanFailure(box, ["commit", box.dir.file("junk.safetensors"), "-m", "x"], mentions: ["junk.safetensors"])
    }

    @Test func missingCheckpointPath() throws {
        let box = try prepared()
        try expectCleanFailure(box, ["commit", box.dir.file("nope.safetensors"), "-m", "x"], mentions: ["nope.safetensors"])
    }

    @Test(arguments: [["show", "nosuch"], ["export", "nosuch", "-o", "/tmp/x.safetensors"], ["diff", "HEAD", "nosuch"],
                      ["log", "nosuch"], ["branch", "b", "nosuch"], ["tag", "t", "HEAD~5"], ["metrics", "add", "nosuch", "a=1"],
                      ["lineage", "nosuch"]])
    func unknownRevision(args: [String]) throws {
        let box = try prepared()
        try expectCleanFailure(box, args, mentions: ["revision"])
    }

    @Test func existingBranchAndTag() throws {
        let box = try prepared()
        try box.mgit("tag", "v1")
        try expectCleanFailure(box, ["branch", "main"], mentions: ["'main'", "already exists"])
        try expectCleanFailure(box, ["tag", "v1"], mentions: ["'v1'", "already exists"])
        try expectCleanFailure(box, ["branch", "bad..name"], mentions: ["not a valid branch name"])
        try expectCleanFailure(box, ["switch", "nosuch"], mentions: ["'nosuch'"])
        try expectCleanFailure(box, ["branch", "-d", "nosuch"], mentions: ["'nosuch'"])
    }

    @Test func badMetricAndAuthor() throws {
        let box = try prepared()
        try expectCleanFailure(box, ["metrics", "add", "HEAD", "accuracy=high"], mentions: ["accuracy", "number"])
        try expectCleanFailure(box, ["commit", box.dir.file("good.safetensors"), "-m", "x", "--author", "nobody"],
                               mentions: ["Name <email>"])
    }

    @Test func notARepository() throws {
        let dir = try TemporaryDirectory()
        let r = try MgitProcess.run(MgitProcess.binary, ["log"], in: dir.path)
        #expect(r.status != 0)
        #expect(r.stderr.hasPrefix("error: ") && r.stderr.contains("not inside an mgit repository") && r.stderr.contains("mgit init"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/.mgit"))
    }

    @Test func readOnlyRepository() throws {
        let box = try prepared()
        let before = try box.state()
        // Root ignores permission bits, so when root, hand the repository to 'nobody' and run mgit as 'nobody'.
        let isRoot = getuid() == 0
        if isRoot { guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") else { return } }
        try shell("/bin/chmod", "-R", "a-w", box.repo)
        if isRoot { try shell("/bin/chown", "-R", "nobody", box.repo) }
        defer {
            if isRoot { try? shell("/bin/chown", "-R", "root", box.repo) }
            try? shell("/bin/chmod", "-R", "u+w", box.repo)
        }
        let args = ["commit", box.dir.file("good.safetensors"), "-m", "x", "--branch", "other"]
        for command in [args, ["metrics", "add", "HEAD", "a=1"], ["branch", "b2"], ["tag", "t2"]] {
            let r = isRoot
                ? try MgitProcess.run("/usr/sbin/runuser", ["-u", "nobody", "--", MgitProcess.binary] + command,
                                      in: box.repo, environment: ["HOME": "/tmp"])
                : try MgitProcess.run(MgitProcess.binary, command, in: box.repo)
            #expect(r.status != 0)
            #expect(r.stderr.hasPrefix("error: ") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(r.stderr.contains("not writable") || r.stderr.contains("read-only"), "\(r.stderr)")
        }
        if isRoot { try shell("/bin/chown", "-R", "root", box.repo) }
        try shell("/bin/chmod", "-R", "u+w", box.repo)
        #expect(try box.state() == before)
    }

    private func shell(_ tool: String, _ args: String...) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        try p.run()
        p.waitUntilExit()
    }
}
