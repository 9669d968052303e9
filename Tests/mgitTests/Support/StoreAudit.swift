import Foundation
import GRDB
import Testing

/// Launches mgit processes without waiting, so that several write to one repository at the same time.
struct RunningCommand {
    let process: Process
    let out: Pipe
    let err: Pipe
    let arguments: [String]

    static func start(_ arguments: [String], in directory: String) throws -> RunningCommand {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: MgitProcess.binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return RunningCommand(process: process, out: out, err: err, arguments: arguments)
    }

    /// Waits for the exit; the outputs are small (well under a pipe's buffer), so reading afterwards is safe.
    func finish() -> CommandResult {
        process.waitUntilExit()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        return CommandResult(stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self),
                             status: process.terminationStatus)
    }
}

/// Checks a repository after concurrent writers or crashes: git's own checker, every ref, and SQLite's.
enum StoreAudit {
    /// `git fsck --strict` is clean, every ref names a commit whose whole history and trees are present,
    /// and the lineage database passes `PRAGMA integrity_check`.
    static func expectSound(_ repo: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let fsck = try MgitProcess.run("/usr/bin/git", ["fsck", "--strict", "--no-dangling"], in: repo)
        #expect(fsck.status == 0 && !fsck.stdout.contains("missing"), "fsck: \(fsck.stdout) \(fsck.stderr)",
                sourceLocation: sourceLocation)
        let refs = try MgitProcess.run("/usr/bin/git", ["for-each-ref", "--format=%(refname)"], in: repo).stdout
            .split(separator: "\n").map(String.init)
        for ref in refs {
            // rev-list --objects reads every commit, tree and blob reachable from the ref.
            let walk = try MgitProcess.run("/usr/bin/git", ["rev-list", "--objects", "--missing=print", ref], in: repo)
            #expect(walk.status == 0 && !walk.stdout.contains("\n?") && !walk.stdout.hasPrefix("?"),
                    "\(ref): \(walk.stderr)", sourceLocation: sourceLocation)
        }
        #expect(try integrityCheck(repo) == "ok", sourceLocation: sourceLocation)
    }

    static func integrityCheck(_ repo: String) throws -> String {
        let queue = try DatabaseQueue(path: repo + "/.mgit/lineage.sqlite", configuration: readOnly())
        return try queue.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "" }
    }

    /// The commit ids the lineage database holds.
    static func indexedCommits(_ repo: String) throws -> Set<String> {
        let queue = try DatabaseQueue(path: repo + "/.mgit/lineage.sqlite", configuration: readOnly())
        return Set(try queue.read { db in try String.fetchAll(db, sql: "SELECT id FROM commits") })
    }

    private static func readOnly() -> Configuration {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        return configuration
    }
}
