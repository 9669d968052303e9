import Foundation
import ModelRepo
import Testing

/// A command to kill at random moments: how to set up each attempt and what to run.
///
/// To cover another writing command (rebase, merge), add a scenario: `prepare` makes whatever the attempt
/// needs (fresh inputs, so that the command really writes) and returns the arguments to run and kill.
struct CrashScenario: CustomTestStringConvertible, Sendable {
    var name: String
    /// How many runs must be killed while still running (runs that finish before their kill don't count).
    var kills: Int
    /// The repository the command writes to, besides the sandbox's own (a push's remote), to audit too.
    var remote: Bool = false
    var prepare: @Sendable (_ box: Sandbox, _ attempt: Int) throws -> [String]

    var testDescription: String { name }

    /// A checkpoint of random bytes (8–12 MB in two tensors) that no earlier attempt stored, so every
    /// commit writes a pack, and a kill can land in the middle of it.
    static func freshCheckpoint(_ box: Sandbox, _ attempt: Int) throws -> String {
        let random = try #require(FileHandle(forReadingAtPath: "/dev/urandom"))
        defer { try? random.close() }
        let total = Int.random(in: 8...12) << 20
        let first = Int.random(in: total / 4...total / 2) & ~3
        var checkpoint = Checkpoint(metadata: ["attempt": "\(attempt)"])
        checkpoint["a"] = Tensor(dtype: .u8, shape: [first], bytes: Array(random.readData(ofLength: first)))
        checkpoint["b"] = Tensor(dtype: .u8, shape: [total - first], bytes: Array(random.readData(ofLength: total - first)))
        let path = box.dir.file("crash-\(attempt).safetensors")
        try Fixtures.write(checkpoint, to: path)
        return path
    }

    static let commit = CrashScenario(name: "commit", kills: 44) { box, attempt in
        // Alternate between the current branch and others, so a kill can hit HEAD's index update too.
        let branch = attempt % 3 == 0 ? "main" : "b\(attempt % 4)"
        return ["commit", try freshCheckpoint(box, attempt), "-m", "attempt \(attempt)", "--branch", branch]
    }

    /// A random 784-512-512-10 MLP (about 3 MB), different for every `seed`.
    static func freshMLP(_ box: Sandbox, branch: String, seed: UInt64) throws {
        var g = SeededGenerator(seed: seed)
        var checkpoint = Checkpoint()
        let widths = [784, 512, 512, 10]
        for k in 1..<widths.count {
            let n = widths[k] * widths[k - 1]
            checkpoint["fc\(k).weight"] = Tensor(shape: [widths[k], widths[k - 1]],
                                                 floats: (0..<n).map { _ in Float(g.nextGaussian() * 0.05) })
            checkpoint["fc\(k).bias"] = Tensor(shape: [widths[k]], floats: (0..<widths[k]).map { _ in Float(g.nextGaussian() * 0.05) })
        }
        let path = box.dir.file("mlp-\(seed).safetensors")
        try Fixtures.write(checkpoint, to: path)
        let made = try box.mgit("commit", path, "-m", "mlp \(seed)", "--branch", branch)
        #expect(made.status == 0, "\(made.stderr)")
    }

    static let rebase = CrashScenario(name: "rebase", kills: 6) { box, attempt in
        if try box.git("rev-parse", "--verify", "-q", "refs/heads/basin").status != 0 {
            try freshMLP(box, branch: "basin", seed: 1_000_000)
        }
        let branch = "rb\(abs(attempt) % 3)"
        try freshMLP(box, branch: branch, seed: UInt64(attempt + 10))
        return ["rebase", branch, "--onto", "basin"]
    }

    static let merge = CrashScenario(name: "merge", kills: 6) { box, attempt in
        try freshMLP(box, branch: "ma", seed: UInt64(2 * attempt + 100))
        try freshMLP(box, branch: "mb", seed: UInt64(2 * attempt + 101))
        return ["merge", "ma", "mb", "--samples", "200", "--points", "3"]
    }

    static let push = CrashScenario(name: "push", kills: 8, remote: true) { box, attempt in
        let made = try box.mgit("commit", try freshCheckpoint(box, attempt), "-m", "to push \(attempt)")
        #expect(made.status == 0, "\(made.stderr)")
        if attempt % 2 == 0 {
            #expect(try box.mgit("metrics", "add", "HEAD", "attempt=\(attempt)").status == 0)
        }
        return ["push", "origin", "main"]
    }
}

/// mgit killed with SIGKILL at random moments leaves a sound repository, and the same command run again
/// succeeds.
@Suite(.serialized) struct CrashTests {
    @Test(arguments: [CrashScenario.commit, CrashScenario.push, CrashScenario.rebase, CrashScenario.merge])
    func killedAtRandomMomentsLeavesASoundRepository(_ scenario: CrashScenario) throws {
        let box = try Sandbox()
        try Fixtures.write(Fixtures.checkpoint(seed: 1), to: box.dir.file("base.safetensors"))
        #expect(try box.mgit("commit", box.dir.file("base.safetensors"), "-m", "base").status == 0)
        let remote = box.dir.file("remote.git")
        if scenario.remote {
            #expect(try box.git("init", "-q", "--bare", "-b", "main", remote, in: box.dir.path).status == 0)
            #expect(try box.mgit("remote", "add", "origin", remote).status == 0)
            #expect(try box.mgit("push").status == 0)
        }

        // How long one uninterrupted run takes: kills are spread over that time, so most land mid-command.
        let probe = try scenario.prepare(box, -1)
        let started = Date()
        #expect(try MgitProcess.run(MgitProcess.binary, probe, in: box.repo).status == 0)
        var span = max(Date().timeIntervalSince(started), 0.05)

        var interrupted = 0
        var attempt = 0
        while interrupted < scenario.kills && attempt < 3 * scenario.kills {
            defer { attempt += 1 }
            let arguments = try scenario.prepare(box, attempt)
            let running = try RunningCommand.start(arguments, in: box.repo)
            usleep(UInt32(Double.random(in: 0...(span * 1.1)) * 1_000_000))
            if running.process.isRunning {
                kill(running.process.processIdentifier, SIGKILL)
                interrupted += 1
                span *= 1.05
            } else {
                // The machine got faster than the probe (other tests finished): aim earlier.
                span *= 0.8
            }
            let killed = running.finish()
            #expect(killed.status == 0 || killed.status == 9 || running.process.terminationReason == .uncaughtSignal,
                    "attempt \(attempt): \(killed.stderr)")

            // Every ref still names a complete commit, and the command goes through when run again.
            let refs = try box.git("for-each-ref", "--format=%(refname)").stdout.split(separator: "\n")
            for ref in refs {
                let walk = try box.git("rev-list", "--objects", "--missing=print", String(ref))
                #expect(walk.status == 0 && !walk.stdout.contains("\n?"), "attempt \(attempt), \(ref): \(walk.stderr)")
            }
            let again = try MgitProcess.run(MgitProcess.binary, arguments, in: box.repo)
            #expect(again.status == 0, "attempt \(attempt), rerun: \(again.stderr)")
        }
        print("\(scenario.name): \(interrupted) of \(attempt) runs killed mid-command")
        #expect(interrupted == scenario.kills, "only \(interrupted) of \(attempt) kills hit a running command")

        try StoreAudit.expectSound(box.repo)
        if scenario.remote {
            let fsck = try box.git("fsck", "--strict", in: remote)
            #expect(fsck.status == 0, "\(fsck.stderr)")
            #expect(try box.git("rev-parse", "main", in: remote).stdout == (try box.git("rev-parse", "main").stdout))
        }
        // The database holds exactly the commits git can reach (after the catch-up any command does).
        #expect(try box.mgit("branch").status == 0)
        let reachable = Set(try box.git("rev-list", "--all").stdout.split(separator: "\n").map(String.init))
        let notesHistory = Set(try box.git("rev-list", "refs/notes/mgit-metrics").stdout.split(separator: "\n").map(String.init))
        #expect(try StoreAudit.indexedCommits(box.repo) == reachable.subtracting(notesHistory))

        // Leftovers of killed writers go once they are old: the next write sweeps them.
        let objects = box.repo + "/.git/objects"
        func leftovers() -> [String] {
            (FileManager.default.enumerator(atPath: objects)?.allObjects as? [String] ?? [])
                .filter { ($0 as NSString).lastPathComponent.hasPrefix("tmp_") }
        }
        let old = Date().addingTimeInterval(-2 * 3600)
        for name in leftovers() {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: objects + "/" + name)
        }
        #expect(try box.mgit("commit", box.dir.file("base.safetensors"), "-m", "sweep", "--branch", "sweep").status == 0)
        #expect(leftovers().isEmpty)
        #expect(!(try box.git("fsck", "--strict").stderr.contains("garbage")))
    }

    /// A writer killed while holding a ref's lock file leaves it behind; git never removes one, so without
    /// recovery every later write to that ref would say "busy" forever.
    @Test(arguments: ["refs/heads/main.lock", "refs/notes/mgit-metrics.lock", "HEAD.lock"])
    func aLockFileLeftByAKilledWriterIsRemovedByTheNextWriter(_ lock: String) throws {
        let box = try Sandbox()
        try Fixtures.write(Fixtures.checkpoint(seed: 1), to: box.dir.file("a.safetensors"))
        #expect(try box.mgit("commit", box.dir.file("a.safetensors"), "-m", "a").status == 0)
        #expect(try box.mgit("metrics", "add", "HEAD", "x=0").status == 0)
        let path = box.repo + "/.git/" + lock
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        // What a killed mgit writer leaves: the lock, and its journal naming it, no longer flock'ed by anyone.
        try FileManager.default.createDirectory(atPath: box.repo + "/.git/mgit-locks", withIntermediateDirectories: true)
        try (path + "\n").write(toFile: box.repo + "/.git/mgit-locks/99999999-dead", atomically: true, encoding: .utf8)
        let write = lock.contains("notes") ? try box.mgit("metrics", "add", "HEAD", "x=1")
                                           : try box.mgit("commit", box.dir.file("a.safetensors"), "-m", "b")
        #expect(write.status == 0, "\(write.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path))
        try StoreAudit.expectSound(box.repo)
    }

    /// A lock that no dead mgit writer recorded is someone else's: a `git update-ref --stdin` holding a ref's
    /// lock keeps it, however old, while mgit's commit on that branch says busy; git then finishes its update.
    @Test func aLockHeldByAnotherProgramIsNeverRemoved() throws {
        let box = try Sandbox()
        try Fixtures.write(Fixtures.checkpoint(seed: 1), to: box.dir.file("a.safetensors"))
        #expect(try box.mgit("commit", box.dir.file("a.safetensors"), "-m", "a").status == 0)
        let first = try box.git("rev-parse", "main").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try box.mgit("commit", box.dir.file("a.safetensors"), "-m", "b", "--branch", "other").status == 0)
        let other = try box.git("rev-parse", "other").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // git holds refs/heads/main.lock from 'prepare' until 'commit'.
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        git.arguments = ["update-ref", "--stdin"]
        git.currentDirectoryURL = URL(fileURLWithPath: box.repo)
        let input = Pipe(), output = Pipe()
        git.standardInput = input
        git.standardOutput = output
        try git.run()
        input.fileHandleForWriting.write(Data("start\nupdate refs/heads/main \(other) \(first)\nprepare\n".utf8))
        let lock = box.repo + "/.git/refs/heads/main.lock"
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: lock) { usleep(10_000) }
        #expect(FileManager.default.fileExists(atPath: lock))
        usleep(300_000)   // older than any age threshold
        let blocked = try box.mgit("commit", box.dir.file("a.safetensors"), "-m", "c")
        #expect(blocked.status == 75, "\(blocked.status): \(blocked.stderr)")
        #expect(FileManager.default.fileExists(atPath: lock), "mgit removed a lock git holds")
        input.fileHandleForWriting.write(Data("commit\n".utf8))
        try input.fileHandleForWriting.close()
        git.waitUntilExit()
        #expect(git.terminationStatus == 0)
        #expect(try box.git("rev-parse", "main").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == other)
        #expect(try box.mgit("commit", box.dir.file("a.safetensors"), "-m", "d").status == 0)
        try StoreAudit.expectSound(box.repo)
    }
}
