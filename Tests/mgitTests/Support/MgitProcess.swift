import Foundation
import Testing

/// What one run of a command printed and how it exited.
struct CommandResult {
    var stdout: String
    var stderr: String
    var status: Int32

    /// The stdout parsed as JSON.
    func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
}

/// Runs the built `mgit` (or `git`) binary as a real subprocess.
enum MgitProcess {
    /// The `mgit` binary built beside this test bundle (`MGIT_BIN` overrides).
    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["MGIT_BIN"] { return path }
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDir, bundleDir.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("mgit").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        let fromSource = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/debug/mgit").path
        return fromSource
    }()

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], in directory: String,
                    environment: [String: String] = [:], stdin: Data? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        env["GIT_AUTHOR_NAME"] = nil
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        // Read stderr on another thread while this one reads stdout, so a chatty child never blocks on a full pipe.
        let errBox = DataBox()
        let done = DispatchSemaphore(value: 0)
        Thread {
            errBox.data = err.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        let errData = errBox.data
        process.waitUntilExit()
        return CommandResult(stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self),
                             status: process.terminationStatus)
    }
}

/// A temporary folder for one test, removed afterwards.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("mgit-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}

/// A scratch folder with an mgit repository in `repo/`, and helpers to run mgit and git in it.
final class Sandbox {
    let dir: TemporaryDirectory
    var repo: String { dir.file("repo") }

    init(initialize: Bool = true) throws {
        dir = try TemporaryDirectory()
        if initialize {
            let r = try mgit("init", "repo", in: dir.path)
            #expect(r.status == 0, "\(r.stderr)")
        }
    }

    @discardableResult
    func mgit(_ args: String..., in directory: String? = nil, environment: [String: String] = [:]) throws -> CommandResult {
        try MgitProcess.run(MgitProcess.binary, args, in: directory ?? repo, environment: environment)
    }

    @discardableResult
    func git(_ args: String..., in directory: String? = nil) throws -> CommandResult {
        try MgitProcess.run("/usr/bin/git", args, in: directory ?? repo)
    }

    /// Refs, object files and the lineage database's bytes: equal snapshots mean nothing changed.
    func state() throws -> RepositoryState {
        let refs = try git("for-each-ref", "--format=%(refname) %(objectname)").stdout
        let head = (try? String(contentsOfFile: repo + "/.git/HEAD", encoding: .utf8)) ?? ""
        let objects = (FileManager.default.enumerator(atPath: repo + "/.git/objects")?.allObjects as? [String] ?? [])
            .filter { !$0.hasSuffix("/") }.sorted()
        let db = FileManager.default.contents(atPath: repo + "/.mgit/lineage.sqlite") ?? Data()
        return RepositoryState(refs: refs, head: head, objects: objects, database: db)
    }
}

struct RepositoryState: Equatable {
    var refs: String
    var head: String
    var objects: [String]
    var database: Data
}

/// A buffer one thread fills and another reads after a semaphore.
///
/// `@unchecked Sendable` is safe: the writer finishes before it signals the semaphore the reader waits on,
/// so the two accesses never overlap.
final class DataBox: @unchecked Sendable {
    var data = Data()
}
