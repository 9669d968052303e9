import Foundation
import Testing

/// A push honours the receiving repository's hooks on every transport (issue 11, class 8): the local fast path
/// must not write around a `pre-receive` that refuses, and an accepting hook sees git's protocol.
@Suite struct ReceiveHookTests {
    /// A bare repository with `pre-receive` installed, a clone with one new commit to push.
    final class Setup {
        let dir: TemporaryDirectory
        let bare: String
        let daemon: GitDaemon?
        let url: String
        var local: String { dir.file("local") }
        var hookLog: String { dir.file("hook.log") }

        init(_ transport: Transport, preReceive exitStatus: Int32) throws {
            dir = try TemporaryDirectory()
            try FileManager.default.createDirectory(atPath: dir.file("srv"), withIntermediateDirectories: true)
            bare = dir.file("srv/shared.git")
            _ = try MgitProcess.run("/usr/bin/git", ["init", "-q", "--bare", "-b", "main", bare], in: dir.path)
            switch transport {
            case .path: daemon = nil; url = bare
            case .fileURL: daemon = nil; url = "file://" + bare
            case .gitDaemon: daemon = try GitDaemon(basePath: dir.file("srv")); url = daemon!.url("shared.git")
            }
            try ok(["init", local], in: dir.path)
            let file = dir.file("m.safetensors")
            try Fixtures.write(Fixtures.checkpoint(seed: 3, hidden: 4), to: file)
            try ok(["commit", file, "-m", "first", "--metric", "accuracy=0.5"], in: local)
            try ok(["metrics", "add", "HEAD", "loss=0.25"], in: local)
            try ok(["remote", "add", "origin", url], in: local)
            // The hook records its stdin (git's `old new ref` lines) and whether the objects are quarantined.
            let hook = bare + "/hooks/pre-receive"
            try """
                #!/bin/sh
                { echo "quarantine=${GIT_QUARANTINE_PATH:+yes}"; cat; } >> '\(hookLog)'
                echo "policy: pushes are closed" >&2
                exit \(exitStatus)

                """.write(toFile: hook, atomically: true, encoding: .utf8)
            #expect(chmod(hook, 0o755) == 0)
        }

        func mgit(_ args: [String]) throws -> CommandResult { try MgitProcess.run(MgitProcess.binary, args, in: local) }

        @discardableResult
        func ok(_ args: [String], in directory: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
            let r = try MgitProcess.run(MgitProcess.binary, args, in: directory)
            #expect(r.status == 0, "mgit \(args.joined(separator: " ")): \(r.stderr)", sourceLocation: sourceLocation)
            return r
        }

        /// The bare repository's refs and every object it holds, loose or packed.
        func serverState() throws -> String {
            let refs = try MgitProcess.run("/usr/bin/git", ["for-each-ref"], in: bare).stdout
            let objects = try MgitProcess.run("/usr/bin/git", ["cat-file", "--batch-all-objects", "--batch-check"], in: bare).stdout
            return refs + "--\n" + objects
        }
    }

    @Test(arguments: [Transport.path, .fileURL, .gitDaemon])
    func aPreReceiveHookThatRefusesRefusesMgitsPushAndNothingLands(_ transport: Transport) throws {
        let setup = try Setup(transport, preReceive: 1)
        let before = try setup.serverState()
        let pushed = try setup.mgit(["push"])
        #expect(pushed.status == 3, "\(pushed.status): \(pushed.stderr)")
        let errors = pushed.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
        #expect(errors.count == 1 && errors[0].contains("origin"), "\(pushed.stderr)")
        #expect(pushed.stderr.contains("pre-receive") || pushed.stderr.contains("policy: pushes are closed"), "\(pushed.stderr)")
        #expect(try setup.serverState() == before, "something landed in the refusing repository")
        let log = try String(contentsOfFile: setup.hookLog, encoding: .utf8)
        #expect(log.contains("quarantine=yes"), "\(log)")
        #expect(log.contains(" refs/heads/main"), "\(log)")
        // Plain git is refused the same way (the reference behaviour).
        let plain = try MgitProcess.run("/usr/bin/git", ["push", setup.url, "main"], in: setup.local)
        #expect(plain.status != 0)
    }

    @Test(arguments: [Transport.path, .fileURL])
    func anAcceptingHookSeesGitsProtocolAndThePushLands(_ transport: Transport) throws {
        let setup = try Setup(transport, preReceive: 0)
        let pushed = try setup.mgit(["push"])
        #expect(pushed.status == 0, "\(pushed.stderr)")
        let head = try MgitProcess.run("/usr/bin/git", ["rev-parse", "main"], in: setup.local).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let notes = try MgitProcess.run("/usr/bin/git", ["rev-parse", "refs/notes/mgit-metrics"], in: setup.local).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let log = try String(contentsOfFile: setup.hookLog, encoding: .utf8)
        let zero = String(repeating: "0", count: 40)
        #expect(log.contains("\(zero) \(head) refs/heads/main"), "\(log)")
        #expect(log.contains("\(zero) \(notes) refs/notes/mgit-metrics"), "\(log)")
        #expect(try MgitProcess.run("/usr/bin/git", ["rev-parse", "main"], in: setup.bare).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines) == head)
        try StoreAudit.expectSound(setup.local)
        let fsck = try MgitProcess.run("/usr/bin/git", ["fsck", "--strict"], in: setup.bare)
        #expect(fsck.status == 0, "\(fsck.stdout)\(fsck.stderr)")
    }
}
