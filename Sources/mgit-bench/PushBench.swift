import ArgumentParser
import Foundation
import MgitInterop
import ModelRepo

/// `mgit-bench push`: pushing new tensors to a bare repository on the same disk, beside plain `git push`
/// of the same objects (docs/PERFORMANCE.md, "Push").
struct PushBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Push a large float32 checkpoint to a local bare repository with mgit and with git; print MB/s.",
        discussion: """
            Commits a checkpoint of --tensors random float32 tensors (--mib MiB in all), then times
            'mgit push' into an empty bare repository (everything new), a second commit with one tensor changed
            and its push (one tensor new), and 'git push' of the first commit into another empty bare
            repository. Build first: swift build -c release.
            """)

    @Option(help: "Checkpoint size in MiB.")
    var mib = 1024

    @Option(help: "Number of tensors.")
    var tensors = 64

    @Option(help: "Where to work (default: a temporary folder, removed afterwards).")
    var workdir: String?

    @Flag(help: "Skip the plain git comparison.")
    var skipGit = false

    @Option(help: "Also push the first commit over git:// (a local git daemon, libgit2's packbuilder) when > 0: this many MiB of it.")
    var daemonMib = 0

    func run() throws {
        let fm = FileManager.default
        let dir = workdir ?? fm.temporaryDirectory.appendingPathComponent("mgit-bench-\(UUID().uuidString)").path
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if workdir == nil { try? fm.removeItem(atPath: dir) } }
        let mgit = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mgit").path
        guard fm.isExecutableFile(atPath: mgit) else { throw BenchError("build mgit first: \(mgit) is missing") }
        let git = "/usr/bin/git"

        let perTensor = mib * 1024 * 1024 / tensors / 4
        let first = dir + "/first.safetensors", second = dir + "/second.safetensors"
        print("writing \(tensors) tensors × \(perTensor) float32 (\(mib) MiB) ...")
        try BenchCheckpoint.write(first, tensors: tensors, elements: perTensor, changed: nil, label: "push")
        try BenchCheckpoint.write(second, tensors: tensors, elements: perTensor, changed: tensors / 2, label: "push")
        let tensorBytes = Double(tensors * perTensor * 4)

        let repo = dir + "/repo", remote = dir + "/remote.git", plain = dir + "/plain.git"
        func must(_ arguments: [String], in folder: String) throws {
            guard try MeasuredProcess.run(arguments, in: folder).status == 0 else {
                throw BenchError("failed: \(arguments.joined(separator: " "))")
            }
        }
        try must([mgit, "init", repo], in: dir)
        try must([mgit, "commit", first, "-m", "first"], in: repo)
        try must([git, "init", "-q", "--bare", "-b", "main", remote], in: dir)
        try must([mgit, "remote", "add", "origin", remote], in: repo)
        // Both tools read the same freshly written pack, from the page cache alike.
        let p1 = try MeasuredProcess.run([mgit, "push", "origin", "main"], in: repo)
        try must([mgit, "commit", second, "-m", "second"], in: repo)
        let p2 = try MeasuredProcess.run([mgit, "push", "origin", "main"], in: repo)
        guard p1.status == 0, p2.status == 0 else { throw BenchError("mgit push failed") }
        let fsck = try MeasuredProcess.run([git, "fsck", "--strict"], in: remote)

        print("")
        print("tool   push                     seconds     MB/s   peak RSS")
        row("mgit", "first (all new)", p1, tensorBytes)
        row("mgit", "second (1 tensor new)", p2, tensorBytes / Double(tensors))
        if !skipGit {
            try must([git, "init", "-q", "--bare", "-b", "main", plain], in: dir)
            let first = try commitID("main~1", in: repo)
            let g = try MeasuredProcess.run([git, "push", "-q", plain, "\(first):refs/heads/main"], in: repo)
            row("git", "first (all new)", g, tensorBytes)
            print(String(format: "\nmgit push / git push throughput: %.1f×", g.seconds / p1.seconds))
        }
        if daemonMib > 0 { try daemonPush(dir: dir, mgit: mgit) }
        print("git fsck --strict on the pushed-to repository: \(fsck.status == 0 ? "clean" : "FAILED")")
    }

    /// Pushes a smaller checkpoint over git:// to a git daemon on 127.0.0.1: the network path, where
    /// libgit2's packbuilder deflates every blob.
    private func daemonPush(dir: String, mgit: String) throws {
        let served = dir + "/served", repo = dir + "/net"
        try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
        let file = dir + "/net.safetensors"
        let perTensor = daemonMib * 1024 * 1024 / tensors / 4
        try BenchCheckpoint.write(file, tensors: tensors, elements: perTensor, changed: nil, label: "push")
        _ = try MeasuredProcess.run(["/usr/bin/git", "init", "-q", "--bare", "-b", "main", served + "/net.git"], in: dir)
        _ = try MeasuredProcess.run([mgit, "init", repo], in: dir)
        _ = try MeasuredProcess.run([mgit, "commit", file, "-m", "net"], in: repo)
        let port = 20000 + Int.random(in: 0..<20000)
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: "/usr/lib/git-core/git-daemon")
        daemon.arguments = ["--export-all", "--enable=receive-pack", "--reuseaddr", "--listen=127.0.0.1",
                            "--port=\(port)", "--base-path=\(served)", served]
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        defer { daemon.terminate(); daemon.waitUntilExit() }
        Thread.sleep(forTimeInterval: 0.5)
        _ = try MeasuredProcess.run([mgit, "remote", "add", "origin", "git://127.0.0.1:\(port)/net.git"], in: repo)
        let p = try MeasuredProcess.run([mgit, "push"], in: repo)
        guard p.status == 0 else { throw BenchError("push over git:// failed") }
        row("mgit", "git:// \(daemonMib) MiB", p, Double(tensors * perTensor * 4))
    }

    private func commitID(_ revision: String, in repo: String) throws -> String {
        let pipe = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = ["rev-parse", revision]
        process.currentDirectoryURL = URL(fileURLWithPath: repo)
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func row(_ tool: String, _ what: String, _ p: MeasuredProcess, _ bytes: Double) {
        print(String(format: "%@ %@ %7.2f %8.1f %7.0f MB", tool.padding(toLength: 6, withPad: " ", startingAt: 0),
                     what.padding(toLength: 24, withPad: " ", startingAt: 0), p.seconds, bytes / p.seconds / 1e6,
                     Double(p.peakBytes) / 1e6))
    }
}
