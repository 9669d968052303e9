import ArgumentParser
import Foundation
import MgitInterop
import ModelRepo

/// `mgit-bench commit`: commit throughput, peak memory and deduplication, beside plain git (docs/PERFORMANCE.md).
struct CommitBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commit",
        abstract: "Commit a large float32 checkpoint with mgit and with plain git; print MB/s, peak memory, bytes added.",
        discussion: """
            Writes a checkpoint of --tensors float32 tensors (--mib MiB in all, random values), commits it with
            'mgit commit', then commits a copy with one tensor changed, then puts the first file through
            'git add && git commit' in a plain git repository. Build first: swift build -c release.
            """)

    @Option(help: "Checkpoint size in MiB.")
    var mib = 1024

    @Option(help: "Number of tensors.")
    var tensors = 64

    @Option(help: "Where to work (default: a temporary folder, removed afterwards).")
    var workdir: String?

    @Flag(help: "Skip the plain git comparison.")
    var skipGit = false

    func run() throws {
        let fm = FileManager.default
        let dir = workdir ?? fm.temporaryDirectory.appendingPathComponent("mgit-bench-\(UUID().uuidString)").path
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if workdir == nil { try? fm.removeItem(atPath: dir) } }
        let mgit = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mgit").path
        guard fm.isExecutableFile(atPath: mgit) else { throw BenchError("build mgit first: \(mgit) is missing") }

        let perTensor = mib * 1024 * 1024 / tensors / 4
        let first = dir + "/first.safetensors", second = dir + "/second.safetensors"
        print("writing \(tensors) tensors × \(perTensor) float32 (\(mib) MiB) ...")
        try BenchCheckpoint.write(first, tensors: tensors, elements: perTensor, changed: nil, label: "commit")
        try BenchCheckpoint.write(second, tensors: tensors, elements: perTensor, changed: tensors / 2, label: "commit")
        let fileBytes = Double((try fm.attributesOfItem(atPath: first)[.size] as? Int) ?? 0)

        let repo = dir + "/repo"
        guard try MeasuredProcess.run([mgit, "init", repo], in: dir).status == 0 else { throw BenchError("mgit init failed") }
        // Warm the page cache for both tools alike: the file was just written, so it is already there.
        let objects0 = BenchCheckpoint.directoryBytes(repo + "/.git/objects")
        let c1 = try MeasuredProcess.run([mgit, "commit", first, "-m", "first"], in: repo)
        let objects1 = BenchCheckpoint.directoryBytes(repo + "/.git/objects")
        let c2 = try MeasuredProcess.run([mgit, "commit", second, "-m", "second"], in: repo)
        let objects2 = BenchCheckpoint.directoryBytes(repo + "/.git/objects")
        guard c1.status == 0, c2.status == 0 else { throw BenchError("mgit commit failed") }
        let fsck = try MeasuredProcess.run(["/usr/bin/git", "fsck", "--strict"], in: repo)

        print("")
        print("tool        commit           seconds     MB/s   peak RSS   added to store")
        row("mgit", "first (all new)", c1, fileBytes, objects1 - objects0)
        row("mgit", "second (1 new)", c2, fileBytes, objects2 - objects1)
        if !skipGit {
            let plain = dir + "/plain"
            _ = try MeasuredProcess.run(["/usr/bin/git", "init", "-q", plain], in: dir)
            try fm.copyItem(atPath: first, toPath: plain + "/model.safetensors")
            let p0 = BenchCheckpoint.directoryBytes(plain + "/.git/objects")
            let add = try MeasuredProcess.run(["/usr/bin/git", "add", "model.safetensors"], in: plain)
            let commit = try MeasuredProcess.run(["/usr/bin/git", "-c", "user.name=b", "-c", "user.email=b@b",
                                                  "commit", "-q", "-m", "x"], in: plain)
            let p1 = BenchCheckpoint.directoryBytes(plain + "/.git/objects")
            let both = MeasuredProcess(status: add.status | commit.status, seconds: add.seconds + commit.seconds,
                                       peakBytes: max(add.peakBytes, commit.peakBytes))
            row("git", "add && commit", both, fileBytes, p1 - p0)
            print(String(format: "\nmgit first commit / plain git throughput: %.1f×", both.seconds / c1.seconds))
        }
        print("git fsck --strict on the mgit repository: \(fsck.status == 0 ? "clean" : "FAILED")")
    }

    private func row(_ tool: String, _ what: String, _ p: MeasuredProcess, _ bytes: Double, _ added: Int) {
        print(String(format: "%@ %@ %7.2f %8.1f %7.0f MB %10.1f MB", tool.padding(toLength: 11, withPad: " ", startingAt: 0),
                     what.padding(toLength: 16, withPad: " ", startingAt: 0), p.seconds, bytes / p.seconds / 1e6,
                     Double(p.peakBytes) / 1e6, Double(added) / 1e6))
    }
}
