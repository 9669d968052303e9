import ArgumentParser
import Foundation
import ModelRepo

/// `mgit-bench serve`: page times and memory of `mgit serve` on a long history (docs/PERFORMANCE.md).
struct ServeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Time mgit serve's pages on a repository of --commits commits; print the server's memory under load.",
        discussion: """
            Builds a repository in-process (60% of the commits on main, the rest on teamB from main's 30% point,
            each a small checkpoint with a loss metric), starts 'mgit serve --port 0' on it, times each page
            (curl's time to first byte on loopback, the median of --repeats), then sends --requests requests
            (all pages in turn) and prints the server's resident memory before and after. Build first:
            swift build -c release.
            """)

    @Option(help: "Commits in the repository.")
    var commits = 1000

    @Option(help: "Timed loads of each page (the median is printed).")
    var repeats = 5

    @Option(help: "Requests in the memory run.")
    var requests = 300

    @Option(help: "Where to build the repository (default: a temporary folder, removed afterwards).")
    var workdir: String?

    func run() throws {
        let fm = FileManager.default
        let dir = workdir ?? fm.temporaryDirectory.appendingPathComponent("mgit-bench-\(UUID().uuidString)").path
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if workdir == nil { try? fm.removeItem(atPath: dir) } }
        let mgit = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mgit").path
        guard fm.isExecutableFile(atPath: mgit) else { throw BenchError("build mgit first: \(mgit) is missing") }

        let root = dir + "/repo"
        if !fm.fileExists(atPath: root + "/.mgit") {
            let start = Date()
            let repository = try Repository.create(at: root)
            let onMain = commits * 6 / 10, forkAt = commits * 3 / 10
            let file = dir + "/checkpoint.safetensors"
            var rng = SeededGenerator(seed: 7)
            for i in 0..<commits {
                var c = Checkpoint()
                c["fc1.weight"] = Tensor(shape: [8, 8], floats: (0..<64).map { _ in Float.random(in: -1...1, using: &rng) })
                c["fc1.bias"] = Tensor(shape: [8], floats: (0..<8).map { _ in Float.random(in: -1...1, using: &rng) })
                try SafeTensors.write(c, to: file)
                if i == onMain { _ = try repository.createBranch("teamB", at: "main~\(onMain - forkAt)") }
                let branch = i < onMain ? "main" : "teamB"
                _ = try repository.commit(checkpointAt: file, message: "step \(i) on \(branch)", branch: branch,
                                          metrics: [Metric(name: "loss", value: 2.3 * pow(0.997, Double(i)), split: "test")])
            }
            print("built \(commits) commits in \(String(format: "%.1f", Date().timeIntervalSince(start))) s at \(root)")
        }

        let server = Process()
        server.executableURL = URL(fileURLWithPath: mgit)
        server.arguments = ["serve", "--port", "0"]
        server.currentDirectoryURL = URL(fileURLWithPath: root)
        let out = Pipe()
        server.standardOutput = out
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }  // SIGTERM: the server stops cleanly
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")), server.isRunning { line.append(out.fileHandleForReading.availableData) }
        let text = String(decoding: line, as: UTF8.self)
        guard let at = text.range(of: "http://"), let end = text.range(of: " (read-only") else { throw BenchError("mgit serve did not start: \(text)") }
        let base = String(text[at.lowerBound..<end.lowerBound])

        let head = try Repository.open(at: root).resolve("main")
        let pages = ["", "commit?rev=\(head)", "metrics?branch=main", "diff?a=main~1&b=main", "merges",
                     "api/log?rev=main", "api/graph"]
        print("page                          median ms   (time to first byte, \(repeats) loads)")
        for page in pages {
            var times: [Double] = []
            for _ in 0..<repeats { times.append(try Self.timeToFirstByte(base + page)) }
            let name = page.isEmpty ? "/ (graph)" : "/" + page.replacingOccurrences(of: head, with: "HEAD-ID")
            print(name.padding(toLength: 30, withPad: " ", startingAt: 0) + String(format: "%9.1f", times.sorted()[times.count / 2] * 1000))
        }
        let before = Self.residentKiB(server.processIdentifier)
        for i in 0..<requests { _ = try Self.timeToFirstByte(base + pages[i % pages.count]) }
        let after = Self.residentKiB(server.processIdentifier)
        for i in 0..<requests { _ = try Self.timeToFirstByte(base + pages[i % pages.count]) }
        let after2 = Self.residentKiB(server.processIdentifier)
        print("server RSS: \(before / 1024) MiB before, \(after / 1024) MiB after \(requests) requests, \(after2 / 1024) MiB after \(2 * requests)")
    }

    static func timeToFirstByte(_ url: String) throws -> Double {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code} %{time_starttransfer}", url]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let parts = text.split(separator: " ")
        guard parts.count == 2, parts[0] == "200", let t = Double(parts[1]) else { throw BenchError("GET \(url): \(text)") }
        return t
    }

    /// VmRSS of `pid` in KiB, from /proc.
    static func residentKiB(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }
}
